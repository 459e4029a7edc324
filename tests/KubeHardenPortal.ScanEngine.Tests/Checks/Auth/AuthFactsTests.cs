using KubeHardenPortal.ScanEngine.Checks.Auth;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Auth;

public sealed class AuthFactsTests
{
    private static string ApiServer(params string[] flags) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: kube-apiserver-cp1
          namespace: kube-system
          labels: {component: kube-apiserver, tier: control-plane}
        spec:
          containers:
          - name: kube-apiserver
            image: registry.k8s.io/kube-apiserver:v1.31.2
            command: [kube-apiserver{{string.Concat(flags.Select(f => ", " + f))}}]
        """;

    private static ScanContext Context(string yaml, int? probe = null, bool manifests = true)
    {
        var load = new InputLoader().LoadText("x.yaml", yaml);
        Assert.Empty(load.Errors);
        var snapshot = manifests && probe is null ? load.Snapshot
            : new ClusterSnapshot(SnapshotMode.Cluster, new ClusterInfo("c", "v1.31.2", null, null, null, null, ControlPlaneVisibility.Auto),
                load.Snapshot.Objects, [new CoverageEntry("pods", CoverageStatus.Collected, null, null)], [], probe);
        return new ScanContext(snapshot, new ScanOptions());
    }

    [Fact]
    public void AnonymousAuthDisabled_IsTriState()
    {
        Assert.True(AuthFacts.AnonymousAuthDisabled(Context(ApiServer("--anonymous-auth=false"))));
        Assert.False(AuthFacts.AnonymousAuthDisabled(Context(ApiServer("--authorization-mode=RBAC"))));
        Assert.Null(AuthFacts.AnonymousAuthDisabled(Context(ApiServer("--authentication-config=/etc/a.yaml"))));
        Assert.Null(AuthFacts.AnonymousAuthDisabled(Context("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")));
        // The probe wins over flags: it is what the server actually does.
        Assert.True(AuthFacts.AnonymousAuthDisabled(Context(ApiServer("--authorization-mode=RBAC"), probe: 401)));
        Assert.False(AuthFacts.AnonymousAuthDisabled(Context(ApiServer("--anonymous-auth=false"), probe: 200)));
    }

    [Fact]
    public void FeatureGate_OneServerWithTheGateOffIsEnough()
    {
        var yaml = ApiServer("--feature-gates=Foo=true,AuthorizePodWebsocketUpgradeCreatePermission=true") + "\n---\n" +
                   ApiServer("--feature-gates=AuthorizePodWebsocketUpgradeCreatePermission=false").Replace("cp1", "cp2", StringComparison.Ordinal);
        Assert.False(AuthFacts.ApiServerFeatureGate(Context(yaml), "AuthorizePodWebsocketUpgradeCreatePermission"));
        Assert.True(AuthFacts.ApiServerFeatureGate(Context(yaml), "Foo"));
        Assert.Null(AuthFacts.ApiServerFeatureGate(Context(yaml), "Bar"));
    }

    [Fact]
    public void Version_FallsBackToTheApiServerImageTag()
    {
        Assert.Equal(new KubeVersion(1, 31, 2), AuthFacts.Version(Context(ApiServer())));
        Assert.Null(AuthFacts.Version(Context("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")));
    }

    [Fact]
    public void ApiServerProbe_ContradictingFlags_Fails()
    {
        var report = Scan.Run(Context(ApiServer("--anonymous-auth=false"), probe: 403).Snapshot, "KH-AUTH-001", null);
        var f = Assert.Single(report.Failures("KH-AUTH-001"));
        Assert.Equal("anonymous-probe", f.SubKey);
        Assert.Equal(Severity.High, f.Severity);
    }
}
