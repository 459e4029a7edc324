using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-007: a ResourceQuota capping memory and CPU in every namespace (CATALOG.md §3).</summary>
public sealed class ResourceQuotaPresent : NamespaceCheck
{
    // "cpu" and "memory" in a quota are synonyms of requests.cpu / requests.memory.
    private static readonly string[] MemoryKeys = ["requests.memory", "limits.memory", "memory"];
    private static readonly string[] CpuKeys = ["requests.cpu", "limits.cpu", "cpu"];

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-007",
        Title = "ResourceQuota present per namespace",
        Severity = Severity.Low,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Resource policies (Appendix G)",
        Target = CheckTarget.Namespace,
        Rationale = "A ResourceQuota caps the total memory and CPU a namespace can claim, so a compromised or runaway " +
                    "tenant cannot exhaust the cluster. A quota limited by scopes covers only part of the pods.",
        Remediation = "Add an unscoped ResourceQuota per namespace with hard memory and CPU values; also cap pods, " +
                      "LoadBalancer and NodePort services and PersistentVolumeClaims. Pair it with a LimitRange " +
                      "(KH-NET-006), because compute quotas force every new pod to declare those resources.",
        FixYaml = """
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: orders-quota, namespace: orders}
            spec:
              hard:
                requests.cpu: "8"
                requests.memory: 16Gi
                limits.memory: 32Gi
                pods: "60"
                services.loadbalancers: "1"
            """,
        References = new([], [], null, []),
        Collectors = ['a', 'b'],
    };

    private static readonly string[] ObjectCountKeys = ["pods", "services.loadbalancers", "services.nodeports", "persistentvolumeclaims"];

    protected override IReadOnlyList<string> RequiredResources { get; } = ["resourcequotas"];

    protected override void EvaluateNamespace(ScanContext context, NamespaceInfo ns, Unit unit)
    {
        var quotas = context.OfKind("ResourceQuota", ns.Name).ToList();
        if (quotas.Count == 0)
        {
            unit.Fail($"namespace \"{ns.Name}\" has no ResourceQuota: its workloads can claim unlimited memory and CPU",
                null, "no ResourceQuota", key: "no-quota");
            return;
        }

        // Every unscoped quota applies to every pod, so their hard limits combine.
        bool mem = false, cpu = false, scopedMem = false, scopedCpu = false;
        var scopedNames = new List<string>();
        var capped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var q in quotas)
        {
            var spec = q.Json.Get("spec");
            var hard = KubeObject.ReadMap(spec.Get("hard"));
            var hasMem = MemoryKeys.Any(hard.ContainsKey);
            var hasCpu = CpuKeys.Any(hard.ContainsKey);
            var scoped = spec.Get("scopes").Count() > 0 || spec.Get("scopeSelector").Get("matchExpressions").Count() > 0;
            if (scoped)
            {
                scopedMem |= hasMem;
                scopedCpu |= hasCpu;
                if (hasMem || hasCpu)
                {
                    scopedNames.Add(q.Name);
                }
            }
            else
            {
                mem |= hasMem;
                cpu |= hasCpu;
                capped.UnionWith(hard.Keys);
            }
        }

        AdviseObjectCounts(ns, quotas, capped, unit);

        if (mem && cpu)
        {
            return;
        }

        var missing = string.Join(" and ", new[] { mem ? null : "memory", cpu ? null : "CPU" }.Where(x => x is not null));
        if ((!mem && scopedMem) || (!cpu && scopedCpu))
        {
            unit.Fail($"partial coverage: {missing} {(missing.Contains(" and ", StringComparison.Ordinal) ? "are" : "is")} capped only by scoped quota(s) {string.Join(", ", scopedNames)}, which apply to part of the pods",
                null, string.Join(", ", scopedNames), key: "partial");
            return;
        }

        unit.Fail($"no ResourceQuota in namespace \"{ns.Name}\" caps {missing} (requests.* or limits.*)",
            null, string.Join(", ", quotas.Select(q => q.Name)), key: "no-compute-quota");
    }

    /// <summary>Catalog advisory: object counts that let a namespace exhaust node, IP or cloud capacity (unscoped quotas only).</summary>
    private static void AdviseObjectCounts(NamespaceInfo ns, List<KubeObject> quotas, HashSet<string> capped, Unit unit)
    {
        // pods and persistentvolumeclaims may also be capped with the generic count/<resource> syntax.
        var uncapped = ObjectCountKeys.Where(k => !capped.Contains(k) && !capped.Contains("count/" + k)).ToList();
        if (uncapped.Count > 0)
        {
            unit.Advise($"no unscoped ResourceQuota in namespace \"{ns.Name}\" caps {string.Join(", ", uncapped)}: " +
                        "consider object-count limits so one namespace cannot exhaust pods, load balancers, node ports or volumes",
                null, string.Join(", ", quotas.Select(q => q.Name)), key: "object-counts");
        }
    }
}
