using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-006: a LimitRange with container defaults in every namespace (CATALOG.md §3).</summary>
public sealed class LimitRangePresent : NamespaceCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-006",
        Title = "LimitRange present per namespace",
        Severity = Severity.Low,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Resource policies (Appendix F)",
        Target = CheckTarget.Namespace,
        Rationale = "A LimitRange gives containers that declare no resources a default limit and request, so one " +
                    "workload cannot exhaust a node's memory or CPU and starve its neighbours (denial of service).",
        Remediation = "Add one LimitRange per namespace with a type: Container entry that sets default (limit) and " +
                      "defaultRequest for memory and CPU. Keep a single LimitRange: several in one namespace behave unpredictably.",
        FixYaml = """
            apiVersion: v1
            kind: LimitRange
            metadata: {name: container-defaults, namespace: orders}
            spec:
              limits:
              - type: Container
                default: {memory: 512Mi, cpu: 500m}
                defaultRequest: {memory: 256Mi, cpu: 100m}
                max: {memory: 2Gi}
            """,
        References = new([], [], null, []),
        Collectors = ['a', 'b'],
    };

    protected override IReadOnlyList<string> RequiredResources { get; } = ["limitranges"];

    protected override void EvaluateNamespace(ScanContext context, NamespaceInfo ns, Unit unit)
    {
        var ranges = context.OfKind("LimitRange", ns.Name).ToList();
        if (ranges.Count == 0)
        {
            unit.Fail($"namespace \"{ns.Name}\" has no LimitRange: containers that declare no resources get no default limits",
                null, "no LimitRange", key: "no-limitrange");
            return;
        }

        List<string>? best = null;
        KubeObject? bestRange = null;
        foreach (var lr in ranges)
        {
            var d = LimitRangeDefaults.Of(lr);
            var missing = new List<string>();
            if (!d.Limits.ContainsKey("memory"))
            {
                missing.Add("default memory limit");
            }

            if (context.Options.RequireCpuLimits && !d.Limits.ContainsKey("cpu"))
            {
                missing.Add("default cpu limit");
            }

            if (!d.Requests.ContainsKey("memory"))
            {
                missing.Add("defaultRequest memory");
            }

            if (!d.Requests.ContainsKey("cpu"))
            {
                missing.Add("defaultRequest cpu");
            }

            if (missing.Count == 0)
            {
                return;
            }

            if (best is null || missing.Count < best.Count)
            {
                best = missing;
                bestRange = lr;
            }
        }

        var several = ranges.Count > 1 ? $" ({ranges.Count} LimitRanges coexist; keep one, as combined behaviour is not well defined)" : "";
        unit.Fail($"LimitRange \"{bestRange!.Name}\" has no type: Container entry providing {string.Join(", ", best!)}{several}",
            null, bestRange.Name, key: "incomplete-limitrange");
    }
}
