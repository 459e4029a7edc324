using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-003: every workload is selected by policies isolating it for ingress and egress (CATALOG.md §3).</summary>
public sealed class WorkloadNetworkIsolation : WorkloadCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-003",
        Title = "Every workload isolated for ingress and egress",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Network policies",
        Target = CheckTarget.PodSpec,
        Rationale = "A pod that no NetworkPolicy selects for a direction accepts (or sends) any traffic in that direction. " +
                    "Isolation needs at least one selecting policy with Ingress and one with Egress in its effective " +
                    "policyTypes; namespace default-deny policies satisfy this for every pod. Pods on the host network " +
                    "are not governed by NetworkPolicy at all.",
        Remediation = "Rely on namespace default-deny policies (KH-NET-001/002) or attach a per-application policy that " +
                      "lists both directions; move workloads off hostNetwork where possible.",
        FixYaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: api-both, namespace: orders}
            spec:
              podSelector: {matchLabels: {app: api}}
              policyTypes: ["Ingress", "Egress"]
              egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432, protocol: TCP}]}]
            """,
        References = new(["C-0030", "C-0260"], ["missingNetworkPolicy"], null, ["5.3.2"]),
    };

    // NetworkPolicy governs Windows pods too (Calico, Antrea and Azure implement it there).
    protected override bool AppliesToWindows => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        // Manifest scans judge what ships with the workload: no policy in the input means none.
        if (!context.IsManifestScan && !context.Snapshot.IsComplete("networkpolicies"))
        {
            unit.Unknown("NetworkPolicies were not collected (" + context.Snapshot.CoverageOf("networkpolicies").ToString().ToLowerInvariant() + ")");
            return;
        }

        var pod = PodEndpoint.FromWorkload(workload);
        if (pod.HostNetwork)
        {
            unit.Fail("the pod uses hostNetwork: true, so NetworkPolicy cannot isolate it (not enforceable)",
                workload.Path("hostNetwork"), "true", key: "hostNetwork");
            return;
        }

        var engine = context.NetworkPolicies;
        var ingress = engine.Isolation(pod, PolicyDirection.Ingress);
        var egress = engine.Isolation(pod, PolicyDirection.Egress);
        var missing = new List<string>();
        if (!ingress.Isolated)
        {
            missing.Add("ingress");
        }

        if (!egress.Isolated)
        {
            missing.Add("egress");
        }

        if (missing.Count == 0)
        {
            if (engine.Cni.Verdict == CniEnforcement.NotEnforcing)
            {
                unit.Fail("policies isolate the pod, but they are ineffective: " + engine.Cni.Reason, null, null, key: "ineffective");
            }

            return;
        }

        var unknown = (ingress.Isolated ? [] : ingress.Uninterpretable).Concat(egress.Isolated ? [] : egress.Uninterpretable).Distinct().ToList();
        if (unknown.Count > 0)
        {
            unit.Unknown($"no NetworkPolicy isolates the pod for {string.Join(" and ", missing)}; policies the engine cannot interpret may: " +
                         string.Join("; ", unknown));
            return;
        }

        var labels = workload.PodLabels;
        var labelText = labels.Count == 0 ? "{}" : "{" + string.Join(", ", labels.Select(kv => $"{kv.Key}: {kv.Value}")) + "}";
        var selecting = engine.Selecting(pod);
        var detail = selecting.Count == 0
            ? (engine.InNamespace(pod.Namespace).Count == 0
                ? $"no NetworkPolicy exists in namespace \"{pod.Namespace}\""
                : $"no NetworkPolicy in namespace \"{pod.Namespace}\" selects pod labels {labelText}" +
                  (labels.Count == 0 ? " (a pod without labels is selected only by podSelector: {})" : ""))
            : $"selecting policies ({string.Join(", ", selecting.Select(p => $"{p.Name}: {p.EffectivePolicyTypes}"))}) do not cover it";
        unit.Fail($"the pod is not isolated for {string.Join(" and ", missing)}: {detail}", MetadataPath(workload) + ".labels", labelText,
            key: "isolation");
    }

    internal static string MetadataPath(Workload w) =>
        w.PodSpecPath == "spec" ? "metadata" : w.PodSpecPath[..^".spec".Length] + ".metadata";
}
