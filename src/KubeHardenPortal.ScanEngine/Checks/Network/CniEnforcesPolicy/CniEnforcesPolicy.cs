using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-005: the CNI enforces NetworkPolicy (heuristic from DaemonSets; CATALOG.md §3).</summary>
public sealed class CniEnforcesPolicy : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-005",
        Title = "CNI enforces NetworkPolicy",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Network policies (a CNI plugin that supports the NetworkPolicy API is required)",
        Target = CheckTarget.Cluster,
        Rationale = "NetworkPolicy objects are only data: without a CNI (or policy engine) that implements them, every " +
                    "policy is silently ignored and all pods can talk to each other. Flannel alone, and the AWS VPC CNI " +
                    "without its network policy agent, do not enforce policies.",
        Remediation = "Deploy or enable a policy-enforcing CNI or managed network-policy engine (Calico, Cilium, Antrea, " +
                      "GKE Dataplane V2, EKS network policy agent, Azure NPM or Cilium).",
        FixYaml = """
            # Example (AKS cluster spec fragment, ARM/JSON expressed as YAML)
            networkProfile:
              networkPlugin: azure
              networkPolicy: cilium
            """,
        References = new(["C-0205"], [], null, ["5.3.1"]),
        Collectors = ['b', 'g'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        // CNI DaemonSets live in kube-system and other platform namespaces: read them deliberately, whatever the exclusions.
        var cni = context.NetworkPolicies.Cni;
        var unit = results.Begin(context.ClusterRef);
        switch (cni.Verdict)
        {
            case CniEnforcement.Enforcing:
                break;
            case CniEnforcement.NotEnforcing:
                var first = cni.Components[0].DaemonSet;
                unit.Fail("no NetworkPolicy enforcement: " + cni.Reason, null, $"DaemonSet {first.Namespace}/{first.Name}", key: "not-enforcing");
                break;
            default:
                unit.Unknown(cni.Reason + (context.IsManifestScan ? "" : " (managed network-policy settings need the cloud API, collector g)"));
                break;
        }
    }
}
