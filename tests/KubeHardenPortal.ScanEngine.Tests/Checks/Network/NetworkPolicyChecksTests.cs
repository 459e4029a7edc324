using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Network;

/// <summary>Behaviour of KH-NET-001..004 beyond what the fixtures pin: messages, options, edge cases.</summary>
public sealed class NetworkPolicyChecksTests
{
    private const string Namespace = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: orders}
        ---

        """;

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: orders}
        spec:
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers: [{name: api, image: registry.example.org/orders/api:2.0.0}]
        ---

        """;

    private static Finding Single(ScanReport report, string id) => Assert.Single(report.Failures(id));

    [Fact]
    public void DefaultDeny_DistinguishesNoPolicyFromNoDefaultDeny()
    {
        var none = Single(Scan.Yaml(Namespace + Deployment, "KH-NET-001"), "KH-NET-001");
        Assert.Contains("has no NetworkPolicy at all", none.Message);

        var some = Single(Scan.Yaml(Namespace + """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: api-in, namespace: orders}
            spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}
            """, "KH-NET-001"), "KH-NET-001");
        Assert.Contains("1 NetworkPolicies exist", some.Message);
        Assert.Contains("none is a default deny ingress", some.Message);
        Assert.Equal("no-default-deny", some.SubKey);
    }

    [Fact]
    public void DefaultDeny_NeutralisedEvenWhenTheAllowAllPolicyIsNamedFirst()
    {
        var report = Scan.Yaml(Namespace + """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: a-open, namespace: orders}
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: z-deny, namespace: orders}
            spec: {podSelector: {}, policyTypes: [Egress]}
            """, "KH-NET-002");
        var f = Single(report, "KH-NET-002");
        Assert.StartsWith("default deny neutralised", f.Message);
        Assert.Contains("a-open", f.Message);
        Assert.Equal("neutralised", f.SubKey);
    }

    [Fact]
    public void DefaultDeny_ExcludedNamespacesAreReportedAsExcluded()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: kube-system}
            """, "KH-NET-001");
        Assert.Equal(1, report.Checks.Single().Excluded);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public void Isolation_ListsTheMissingDirections_AndAppliesToWindowsPods()
    {
        var report = Scan.Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: orders}
            spec: {podSelector: {}, policyTypes: [Egress]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: win, namespace: orders, labels: {app: win}}
            spec:
              os: {name: windows}
              containers: [{name: c, image: registry.example.org/win/app:1.0.0}]
            """, "KH-NET-003");
        var f = Single(report, "KH-NET-003");
        Assert.Contains("not isolated for ingress:", f.Message);
        Assert.Equal("metadata.labels", f.Evidence!.Path);
        Assert.Equal(0, report.Checks.Single().NotApplicable);
    }

    [Fact]
    public void Isolation_ControllerOwnedPodIsNotCountedTwice()
    {
        var report = Scan.Yaml(Deployment + """
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata:
              name: api-5d8f
              namespace: orders
              ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: 1b2e0c1a-0000-4000-8000-000000000009, controller: true}]
            spec:
              selector: {matchLabels: {app: api}}
              template:
                metadata: {labels: {app: api}}
                spec:
                  containers: [{name: api, image: registry.example.org/orders/api:2.0.0}]
            """, "KH-NET-003");
        Assert.Equal(1, report.Checks.Single().Fail);
    }

    [Fact]
    public void Metadata_NotApplicableWhenTaggedOnPremises()
    {
        var report = Scan.Yaml(Deployment, "KH-NET-004", new ScanOptions { NoCloudMetadataService = true });
        var s = report.Checks.Single();
        Assert.Equal(1, s.NotApplicable);
        Assert.Equal(0, s.Fail);
    }

    [Fact]
    public void Metadata_ConfigurableTargets_IncludingIpv6()
    {
        const string Policy = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: orders}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.0.0/16]}}, {ipBlock: {cidr: "::/0"}}]
            ---

            """;
        var v4Only = Scan.Yaml(Policy + Deployment, "KH-NET-004");
        Assert.Empty(v4Only.Failures("KH-NET-004"));

        var options = new ScanOptions { MetadataEgressTargets = ["169.254.169.254/32", "fd00:ec2::254", "not-an-ip", "169.254.170.2"] };
        var withV6 = Scan.Yaml(Policy + Deployment, "KH-NET-004", options);
        var f = Single(withV6, "KH-NET-004");
        Assert.Contains("fd00:ec2::254", f.Message);
        Assert.Equal("allowed:fd00:ec2::254", f.SubKey);
    }

    [Fact]
    public void Metadata_UnisolatedPodFailsOnceWhateverTheNumberOfTargets()
    {
        var options = new ScanOptions { MetadataEgressTargets = ["169.254.169.254", "169.254.170.2", "100.100.100.200"] };
        var report = Scan.Yaml(Deployment, "KH-NET-004", options);
        Assert.Equal("no-egress-policy", Single(report, "KH-NET-004").SubKey);
    }
}
