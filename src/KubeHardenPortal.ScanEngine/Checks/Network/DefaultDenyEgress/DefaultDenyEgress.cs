using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-002: a default-deny egress NetworkPolicy in every namespace (CATALOG.md §3).</summary>
public sealed class DefaultDenyEgress : NamespaceDefaultDenyCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-002",
        Title = "Default-deny egress in every namespace",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Network policies (deny all ingress and egress by default)",
        Target = CheckTarget.Namespace,
        Rationale = "Unrestricted egress lets a compromised pod reach other services, the cloud metadata endpoint and the " +
                    "internet (exfiltration, command and control). Egress isolation is never implied: policyTypes must list " +
                    "Egress explicitly, on a policy with an empty podSelector and no egress rules.",
        Remediation = "Add a namespace default-deny egress policy and explicit allow policies, including one for DNS (UDP and " +
                      "TCP 53 to the cluster DNS pods), otherwise name resolution breaks.",
        FixYaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: baseline-deny-out, namespace: orders}
            spec:
              podSelector: {}
              policyTypes: ["Egress"]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-dns-out, namespace: orders}
            spec:
              podSelector: {}
              policyTypes: ["Egress"]
              egress:
              - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
                ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
            """,
        References = new(["C-0054", "C-0206"], [], null, ["5.3.2"]),
        Collectors = ['a', 'b'],
    };

    protected override PolicyDirection Direction => PolicyDirection.Egress;
}
