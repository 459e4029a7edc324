using KubeHardenPortal.ScanEngine.Evaluation;
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

    private const string DnsLabel = "k8s-app";
    private const string DnsLabelValue = "kube-dns";

    /// <summary>
    /// Catalog: egress default deny breaks name resolution unless a policy allows port 53 to the cluster DNS pods.
    /// Only native policies are read: when the deny comes from a CRD its DNS allowances are not interpreted, so say nothing.
    /// </summary>
    protected override void AdviseOnDefaultDeny(ScanContext context, NamespaceInfo ns, DefaultDenyResult result, Unit unit)
    {
        if (result.NativeDenies.Count == 0)
        {
            return;
        }

        var engine = context.NetworkPolicies;
        var dns = DnsPods(context);
        foreach (var p in engine.InNamespace(ns.Name))
        {
            if (!p.Isolates(PolicyDirection.Egress))
            {
                continue;
            }

            foreach (var r in p.Rules(PolicyDirection.Egress))
            {
                foreach (var pod in dns)
                {
                    var port = r.MatchesPort(53, "UDP", pod.Ports) || r.MatchesPort(53, "TCP", pod.Ports);
                    // An ipBlock may hold the DNS service or node-local cache address, which the snapshot cannot resolve: give it the benefit.
                    if (port && (r.AllPeers || r.Peers.Any(peer => peer.IpBlock is not null || engine.PeerMatches(p, peer, pod))))
                    {
                        return;
                    }
                }
            }
        }

        unit.Advise($"namespace \"{ns.Name}\" denies all egress by default but no NetworkPolicy there allows port 53 to the cluster DNS " +
                    "pods: name resolution fails unless DNS is allowed (UDP and TCP 53 to kube-system pods k8s-app=kube-dns)",
            null, result.NativeDenies[0].ToString(), key: "dns-egress");
    }

    /// <summary>The DNS pods of the snapshot (label k8s-app=kube-dns, kept by CoreDNS); the kubeadm default when none is present.</summary>
    private static List<PodEndpoint> DnsPods(ScanContext context)
    {
        var pods = context.Workloads
            .Where(w => w.PodLabels.TryGetValue(DnsLabel, out var v) && v == DnsLabelValue)
            .Select(PodEndpoint.FromWorkload)
            .ToList();
        if (pods.Count == 0)
        {
            pods.Add(new PodEndpoint("kube-system", new Dictionary<string, string>(StringComparer.Ordinal) { [DnsLabel] = DnsLabelValue },
                [new DeclaredPort("dns", 53, "UDP"), new DeclaredPort("dns-tcp", 53, "TCP")]));
        }

        return pods;
    }
}
