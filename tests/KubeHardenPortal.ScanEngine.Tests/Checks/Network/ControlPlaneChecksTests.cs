using KubeHardenPortal.ScanEngine.Checks.Network;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Network;

/// <summary>KH-NET-013..016 and KH-NET-019 edge cases the fixture prefixes cannot express.</summary>
public sealed class ControlPlaneChecksTests
{
    private const string ApiServer = """
        apiVersion: v1
        kind: Pod
        metadata: {name: kube-apiserver-cp1, namespace: kube-system, labels: {component: kube-apiserver, tier: control-plane}}
        spec:
          containers:
          - name: kube-apiserver
            image: registry.k8s.io/kube-apiserver:v1.31.4
            command: ["kube-apiserver", "--etcd-servers=https://10.0.0.20:2379", "--etcd-cafile=/pki/etcd-ca.crt",
                      "--etcd-certfile=/pki/etcd-client.crt", "--etcd-keyfile=/pki/etcd-client.key"]
        ---

        """;

    [Fact]
    public void Etcd_ExternalEtcdLeavesTheServerSideUnknown()
    {
        var report = Scan.Yaml(ApiServer, "KH-NET-014");
        var s = report.Checks.Single();
        Assert.Equal(1, s.Pass);
        Assert.Equal(1, s.Unknown);
        Assert.Contains(report.Findings, f => f.Status == ResultStatus.Unknown && f.Message.Contains("external etcd", StringComparison.Ordinal));
    }

    [Fact]
    public void Etcd_ConfigFileMakesTheMemberUnknown()
    {
        var report = Scan.Yaml(ApiServer + """
            apiVersion: v1
            kind: Pod
            metadata: {name: etcd-cp1, namespace: kube-system, labels: {component: etcd, tier: control-plane}}
            spec:
              containers:
              - {name: etcd, image: registry.k8s.io/etcd:3.5.15-0, command: ["etcd", "--config-file=/etc/etcd/etcd.yaml"]}
            """, "KH-NET-014");
        var s = report.Checks.Single();
        Assert.Equal((1, 1, 0), (s.Pass, s.Unknown, s.Fail));
    }

    [Fact]
    public void InsecurePort_VersionFromTheImageTagInManifests()
    {
        static string Pod(string tag, string flag) => $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: kube-apiserver-cp1, namespace: kube-system, labels: {component: kube-apiserver}}
            spec:
              containers: [{name: kube-apiserver, image: "registry.k8s.io/kube-apiserver:{{{tag}}}", command: [kube-apiserver, {{{flag}}}]}]
            """;
        Assert.Equal(1, Scan.Yaml(Pod("v1.23.17", "--secure-port=6443"), "KH-NET-013").Checks.Single().Pass);
        Assert.Equal(1, Scan.Yaml(Pod("v1.19.16", "--secure-port=6443"), "KH-NET-013").Checks.Single().Fail);
        Assert.Equal(1, Scan.Yaml(Pod("v1.29.0", "--insecure-port=8080"), "KH-NET-013").Checks.Single().NotApplicable);
    }

    [Theory]
    [InlineData("shop.example.org", "shop.example.org", true)]
    [InlineData("Shop.Example.org", "shop.example.ORG", true)]
    [InlineData("*.example.org", "shop.example.org", true)]
    [InlineData("*.example.org", "example.org", false)]
    [InlineData("*.example.org", "a.b.example.org", false)]
    [InlineData("*.example.org", "*.example.org", true)]
    [InlineData("shop.example.org", "*.example.org", false)]
    public void Tls_HostCoverage(string tlsHost, string host, bool expected) =>
        Assert.Equal(expected, IngressTls.Covers(tlsHost, host));

    [Fact]
    public void Tls_GatewayHttpListenerWithoutRoutes_FailsInManifests_UnknownWhenRoutesNotCollected()
    {
        const string Gateway = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: gateways}
            spec:
              gatewayClassName: shared
              listeners: [{name: http, protocol: HTTP, port: 80}, {name: tcp, protocol: TCP, port: 9000}]
            """;
        var f = Assert.Single(Scan.Yaml(Gateway, "KH-NET-019").Failures("KH-NET-019"));
        Assert.Equal("spec.listeners[0].protocol", f.Evidence!.Path);
    }
}
