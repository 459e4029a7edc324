using System.Text;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>The ClusterSnapshot document (PRODUCT.md §6), plain or gzip, and how it combines with other input.</summary>
public sealed class SnapshotLoadingTests
{
    private const string Snapshot =
        "{\n" +                                                                        // 1
        "  \"apiVersion\": \"kubeharden.io/v1\",\n" +                                  // 2
        "  \"kind\": \"ClusterSnapshot\",\n" +                                         // 3
        "  \"cluster\": {\"name\": \"prod-eu\", \"serverVersion\": {\"gitVersion\": \"v1.31.2\"}, \"provider\": \"eks\",\n" + // 4
        "              \"collectedAt\": \"2026-01-02T03:04:05Z\", \"collector\": {\"mode\": \"agent\", \"version\": \"1.2.3\"}},\n" + // 5
        "  \"coverage\": [\n" +                                                        // 6
        "    {\"resource\": \"pods\", \"status\": \"collected\", \"count\": 2},\n" +   // 7
        "    {\"resource\": \"secrets\", \"status\": \"forbidden\", \"message\": \"RBAC: forbidden\"},\n" + // 8
        "    {\"resource\": \"networkpolicies\", \"group\": \"networking.k8s.io\", \"status\": \"notFound\", \"count\": 0},\n" + // 9
        "    {\"resource\": \"ingresses\", \"group\": \"networking.k8s.io\", \"status\": \"error\", \"message\": \"timeout\"},\n" + // 10
        "    {\"status\": \"collected\"}\n" +                                          // 11
        "  ],\n" +                                                                     // 12
        "  \"objects\": [\n" +                                                         // 13
        "    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p1\", \"namespace\": \"a\"}},\n" + // 14
        "    {\n" +                                                                    // 15
        "      \"apiVersion\": \"v1\", \"kind\": \"Pod\",\n" +                         // 16
        "      \"metadata\": {\"name\": \"p2\", \"namespace\": \"b\"}\n" +            // 17
        "    }\n" +                                                                    // 18
        "  ],\n" +                                                                     // 19
        "  \"nodes\": [\n" +                                                           // 20
        "    {\"name\": \"n1\", \"kubeletConfig\": {\"readOnlyPort\": 0, \"podPidsLimit\": 4096}},\n" + // 21
        "    {\"name\": \"n2\", \"kubeletConfig\": {\"kubeletconfig\": {\"readOnlyPort\": 10255}}},\n" + // 22
        "    {\"name\": \"n3\", \"status\": \"forbidden\", \"message\": \"nodes/proxy forbidden\"},\n" + // 23
        "    {\"name\": \"n4\"}\n" +                                                   // 24
        "  ],\n" +                                                                     // 25
        "  \"controlPlane\": {\"visibility\": \"managed\"},\n" +                       // 26
        "  \"probes\": {\"anonymousApi\": 401}\n" +                                    // 27
        "}\n";

    private static string With(string from, string to) => Snapshot.Replace(from, to, StringComparison.Ordinal);

    [Fact]
    public void Snapshot_LoadsClusterCoverageNodesAndObjects()
    {
        using var dir = new TempDir();
        var file = dir.Write("snap.json", Snapshot);
        using var r = Load(file);
        r.NoErrors();
        var s = r.Snapshot;
        Assert.Equal(SnapshotMode.Cluster, s.Mode);
        Assert.Equal("prod-eu", s.Cluster.Name);
        Assert.Equal("v1.31.2", s.Cluster.ServerGitVersion);
        Assert.Equal("eks", s.Cluster.Provider);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), s.Cluster.CollectedAt);
        Assert.Equal("agent", s.Cluster.CollectorMode);
        Assert.Equal("1.2.3", s.Cluster.CollectorVersion);
        Assert.Equal(ControlPlaneVisibility.Managed, s.Cluster.ControlPlane);
        Assert.Equal(401, s.AnonymousApiProbeStatus);

        Assert.Equal(CoverageStatus.Collected, s.CoverageOf("pods"));
        Assert.Equal(CoverageStatus.Forbidden, s.CoverageOf("secrets"));
        Assert.Equal(CoverageStatus.NotFound, s.CoverageOf("networkpolicies.networking.k8s.io"));
        Assert.Equal(CoverageStatus.Error, s.CoverageOf("ingresses.networking.k8s.io"));
        Assert.Equal(CoverageStatus.NotCollected, s.CoverageOf("configmaps"));
        Assert.Equal(4, s.Coverage.Count);
        Assert.Equal(2, s.Coverage.Single(c => c.Resource == "pods").Count);
        Assert.Equal("RBAC: forbidden", s.Coverage.Single(c => c.Resource == "secrets").Message);

        Assert.Equal(["p1@14", "p2@15"], r.NamesAndLines());
        Assert.All(s.Objects, o => Assert.Equal(file, o.Source!.File));

        Assert.Equal(["n1", "n2", "n3", "n4"], s.Nodes.Select(n => n.NodeName));
        Assert.Equal(CoverageStatus.Collected, s.Nodes[0].Status);
        Assert.Equal(4096, s.Nodes[0].KubeletConfig.Long("podPidsLimit"));
        // The raw /configz envelope {"kubeletconfig": {...}} is unwrapped.
        Assert.Equal(CoverageStatus.Collected, s.Nodes[1].Status);
        Assert.Equal(10255, s.Nodes[1].KubeletConfig.Long("readOnlyPort"));
        Assert.Equal(CoverageStatus.Forbidden, s.Nodes[2].Status);
        Assert.Equal("nodes/proxy forbidden", s.Nodes[2].Message);
        Assert.False(s.Nodes[2].KubeletConfig.Exists());
        Assert.Equal(CoverageStatus.NotCollected, s.Nodes[3].Status);
    }

    [Fact]
    public void GzipSnapshot_LoadsLikeThePlainOne()
    {
        using var dir = new TempDir();
        var file = dir.WriteGzip("snap.json.gz", Encoding.UTF8.GetBytes(Snapshot));
        var noExtension = dir.WriteGzip("snapshot", Encoding.UTF8.GetBytes(Snapshot));
        using var r = Load(file);
        r.NoErrors();
        Assert.Equal(SnapshotMode.Cluster, r.Snapshot.Mode);
        Assert.Equal(["p1@14", "p2@15"], r.NamesAndLines());
        Assert.Equal(file, r.Snapshot.Objects[0].Source!.File);

        using var r2 = Load(noExtension);
        r2.NoErrors();
        Assert.Equal(2, r2.Snapshot.Objects.Count);
    }

    [Fact]
    public void SnapshotGzipFolder_IsFoundInAFolder()
    {
        using var dir = new TempDir();
        dir.WriteGzip("in/cluster.json.gz", Encoding.UTF8.GetBytes(Snapshot));
        using var r = Load(dir.PathOf("in"));
        r.NoErrors();
        Assert.Equal(SnapshotMode.Cluster, r.Snapshot.Mode);
    }

    [Fact]
    public void ControlPlaneVisibility_DefaultsToAuto()
    {
        using var r = Text(With("\"controlPlane\": {\"visibility\": \"managed\"},", "\"controlPlane\": {\"visibility\": \"static-pods\"},"), "s.json");
        r.NoErrors();
        Assert.Equal(ControlPlaneVisibility.Auto, r.Snapshot.Cluster.ControlPlane);

        using var r2 = Text(With("\"controlPlane\": {\"visibility\": \"managed\"},", ""), "s.json");
        r2.NoErrors();
        Assert.Equal(ControlPlaneVisibility.Auto, r2.Snapshot.Cluster.ControlPlane);
    }

    [Fact]
    public void MinimalSnapshot_UsesTheFileNameAsClusterName()
    {
        using var dir = new TempDir();
        var file = dir.Write("staging.json", "{\"apiVersion\":\"kubeharden.io/v1\",\"kind\":\"ClusterSnapshot\",\"objects\":[]}");
        using var r = Load(file);
        r.NoErrors();
        Assert.Equal("staging", r.Snapshot.Cluster.Name);
        Assert.Equal(SnapshotMode.Cluster, r.Snapshot.Mode);
        Assert.Empty(r.Snapshot.Objects);
        Assert.Null(r.Snapshot.Cluster.CollectedAt);
        Assert.Null(r.Snapshot.AnonymousApiProbeStatus);
    }

    [Fact]
    public void WrongSnapshotApiVersion_IsReported()
    {
        using var dir = new TempDir();
        var file = dir.Write("snap.json", With("kubeharden.io/v1", "kubeharden.io/v2"));
        using var r = Load(file);
        r.AssertError(file, 1, "unsupported ClusterSnapshot apiVersion \"kubeharden.io/v2\"", "kubeharden.io/v1");
        Assert.Equal(SnapshotMode.Manifests, r.Snapshot.Mode);
        Assert.Empty(r.Snapshot.Objects);
    }

    [Fact]
    public void MissingObjectsArray_IsReported()
    {
        using var dir = new TempDir();
        var noObjects = dir.Write("a.json", "{\"apiVersion\":\"kubeharden.io/v1\",\"kind\":\"ClusterSnapshot\",\"cluster\":{\"name\":\"x\"}}");
        var objectsNotArray = dir.Write("b.json", "{\"apiVersion\":\"kubeharden.io/v1\",\"kind\":\"ClusterSnapshot\",\"objects\":{}}");
        using var r = Load(noObjects);
        r.AssertError(noObjects, 1, "no \"objects\" array");
        using var r2 = Load(objectsNotArray);
        r2.AssertError(objectsNotArray, 1, "no \"objects\" array");
        Assert.Equal(SnapshotMode.Manifests, r2.Snapshot.Mode);
    }

    [Fact]
    public void NonObjectItems_AreReportedWithTheirLines_OthersKept()
    {
        var text = With(
            "    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p1\", \"namespace\": \"a\"}},\n",
            "    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p1\", \"namespace\": \"a\"}},\n" +
            "    42,\n" +
            "    {\"kind\": \"Pod\", \"metadata\": {\"name\": \"noapi\"}},\n" +
            "    [\"x\"],\n");
        using var r = Text(text, "snap.json");
        Assert.Equal(["p1@14", "p2@18"], r.NamesAndLines());
        Assert.Equal([15, 16, 17], r.Errors.Select(e => e.Line ?? 0));
        Assert.Equal(["objects[1]", "objects[2]", "objects[3]"], r.Errors.Select(e => e.Message.Split(' ')[0]));
        Assert.All(r.Errors, e => Assert.Contains("is not a Kubernetes object", e.Message, StringComparison.Ordinal));
        Assert.Equal(SnapshotMode.Cluster, r.Snapshot.Mode);
    }

    [Fact]
    public void SnapshotCombinedWithManifests_IsAnError_AndTheSnapshotWins()
    {
        using var dir = new TempDir();
        var snap = dir.Write("snap.json", Snapshot);
        var manifest = dir.Write("extra.yaml", Doc("ConfigMap", "extra"));
        using var r = Load(manifest, snap);
        var e = r.AssertError(snap, null, "cannot be combined with other manifests");
        Assert.Contains(manifest, e.Message, StringComparison.Ordinal);
        Assert.Equal(SnapshotMode.Cluster, r.Snapshot.Mode);
        Assert.Equal(["p1@14", "p2@15"], r.NamesAndLines());
    }

    [Fact]
    public void SnapshotCombinedWithManifests_InOneText_IsAnErrorToo()
    {
        using var r = Text(Doc("ConfigMap", "extra") + "---\n" +
                           "apiVersion: kubeharden.io/v1\nkind: ClusterSnapshot\nobjects:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}}\n");
        r.AssertError("test.yaml", null, "cannot be combined with other manifests");
        Assert.Equal(SnapshotMode.Cluster, r.Snapshot.Mode);
        Assert.Equal(["p@9"], r.NamesAndLines());
    }

    [Fact]
    public void TwoSnapshots_AreAnError_TheFirstWins()
    {
        using var dir = new TempDir();
        var first = dir.Write("a.json", Snapshot);
        var second = dir.Write("b.json", With("prod-eu", "other"));
        using var r = Load(first, second);
        var e = r.AssertError(second, 1, "only one ClusterSnapshot per scan");
        Assert.Contains(first, e.Message, StringComparison.Ordinal);
        Assert.Equal("prod-eu", r.Snapshot.Cluster.Name);
    }

    [Fact]
    public void YamlSnapshot_IsAccepted_WithObjectLines()
    {
        var yaml =
            "# converted by hand\n" +                 // 1
            "apiVersion: kubeharden.io/v1\n" +         // 2
            "kind: ClusterSnapshot\n" +                // 3
            "cluster: {name: yaml-cluster}\n" +        // 4
            "objects:\n" +                             // 5
            "- apiVersion: v1\n" +                     // 6
            "  kind: Namespace\n" +                    // 7
            "  metadata: {name: ns1}\n" +              // 8
            "- apiVersion: v1\n" +                     // 9
            "  kind: Namespace\n" +                    // 10
            "  metadata: {name: ns2}\n" +              // 11
            "nodes:\n" +                               // 12
            "- name: n1\n" +                           // 13
            "  kubeletConfig: {kubeletconfig: {readOnlyPort: 0}}\n"; // 14
        using var r = Text(yaml, "snap.yaml");
        r.NoErrors();
        Assert.Equal("yaml-cluster", r.Snapshot.Cluster.Name);
        Assert.Equal(["ns1@6", "ns2@9"], r.NamesAndLines());
        Assert.Equal(0, r.Snapshot.Nodes.Single().KubeletConfig.Long("readOnlyPort"));
    }

    [Fact]
    public void SnapshotObjects_AreNotMistakenForManifestsWhenTheSnapshotIsBroken()
    {
        // A broken snapshot must not silently become a manifest scan of nothing without an error.
        using var r = Text(With("\"kind\": \"ClusterSnapshot\"", "\"kind\": \"ClusterSnapshot\", \"objects\": 5, \"x\": 1")
            .Replace("  \"objects\": [", "  \"items\": [", StringComparison.Ordinal), "snap.json");
        r.AssertError("snap.json", 1, "no \"objects\" array");
    }

    [Fact]
    public void KubeObjectsStayUsable_AfterLoadingManyDocuments()
    {
        var loader = new InputLoader();
        using var r = loader.LoadText("s.json", Snapshot);
        Assert.Equal("a", r.Object("p1").Namespace);
        Assert.Equal("Pod/b/p2", r.Object("p2").ToString());
    }
}
