using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-010: all capabilities dropped, only NET_BIND_SERVICE added back (CATALOG.md §2).</summary>
public sealed class DropAllCapabilities : ContainerCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-010",
        Title = "All capabilities dropped",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement; Hardening container environments",
        Target = CheckTarget.Container,
        Rationale = "Container runtimes grant a default capability set (including NET_RAW, which enables spoofing inside " +
                    "the cluster network). Dropping ALL removes capabilities the application almost never needs.",
        Remediation = "Drop ALL capabilities and add back NET_BIND_SERVICE only when the process binds a port below 1024.",
        FixYaml = """
            securityContext:
              capabilities:
                drop: ["ALL"]
            """,
        References = new(["C-0201"], ["insecureCapabilities"], "Restricted", ["5.2.9"]),
    };

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        var who = Describe(container);
        var drop = Container(container, "capabilities.drop");
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in drop.Value.Strings())
        {
            dropped.Add(Capabilities.Normalise(d));
        }

        // Dropping every runtime default by name is equivalent to ALL (NET_BIND_SERVICE may stay, as it may be added back).
        var dropsAll = dropped.Contains("ALL") || DropsEveryDefault(dropped);
        if (!dropsAll)
        {
            var what = drop.IsSet ? $"drops only {drop.Observed}" : "does not drop capabilities";
            unit.Fail($"{who} {what}: missing drop ALL", drop.Path, drop.Observed, container, key: "drop");
        }
        else if (!drop.Value.Strings().Contains("ALL"))
        {
            // Catalog edge case: our rule accepts it, PSA compares the literal string "ALL".
            var how = dropped.Contains("ALL") ? $"spells ALL as {drop.Observed}" : "drops every runtime default by name instead of ALL";
            unit.Advise($"{who} {how}: equivalent here, but PSA Restricted will reject it; write drop: [\"ALL\"]",
                drop.Path, drop.Observed, container, key: "drop");
        }

        var add = Container(container, "capabilities.add");
        var i = 0;
        foreach (var entry in add.Value.Items())
        {
            var index = i++;
            var raw = entry.Str() ?? "";
            var cap = Capabilities.Normalise(raw);
            if (cap != "NET_BIND_SERVICE")
            {
                unit.Fail($"{who} adds {cap}{(raw == cap ? "" : $" (written \"{raw}\")")}; only NET_BIND_SERVICE may be added back",
                    $"{add.Path}[{index}]", raw, container, key: "add:" + cap);
            }
        }
    }

    private static bool DropsEveryDefault(HashSet<string> dropped)
    {
        foreach (var cap in Capabilities.RuntimeDefaults)
        {
            if (cap != "NET_BIND_SERVICE" && !dropped.Contains(cap))
            {
                return false;
            }
        }

        return true;
    }
}
