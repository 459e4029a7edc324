using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-001: a default-deny ingress NetworkPolicy in every namespace (CATALOG.md §3).</summary>
public sealed class DefaultDenyIngress : NamespaceDefaultDenyCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-001",
        Title = "Default-deny ingress in every namespace",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Network policies (default policy selecting all pods that denies all ingress; Appendix E)",
        Target = CheckTarget.Namespace,
        Rationale = "Without a default-deny policy every pod accepts connections from any pod in the cluster and from " +
                    "anything that can route to it, so one compromised workload can reach every other service. A policy " +
                    "with an empty podSelector, policyTypes Ingress and no ingress rules isolates all pods, new ones included; " +
                    "required flows are then allowed explicitly.",
        Remediation = "Add a namespace default-deny ingress policy, then allow the required flows with additional policies. " +
                      "Remove policies that select all pods with an allow-everything ingress rule (ingress: [{}]).",
        FixYaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: baseline-deny-in, namespace: orders}
            spec:
              podSelector: {}
              policyTypes: ["Ingress"]
            """,
        References = new(["C-0054", "C-0206"], [], null, ["5.3.2"]),
        Collectors = ['a', 'b'],
    };

    protected override PolicyDirection Direction => PolicyDirection.Ingress;
}
