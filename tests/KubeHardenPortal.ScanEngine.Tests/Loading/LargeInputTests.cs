using System.Text;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>Large inputs load completely and keep exact lines. Correctness only: speed is measured in benchmarks.</summary>
public sealed class LargeInputTests
{
    [Fact]
    public void JsonListOf10000Objects_LoadsEveryItemWithItsLine()
    {
        // kubectl get pods -A -o json layout: 4-space indent, each item 12 lines.
        var sb = new StringBuilder("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n"); // lines 1-3
        for (var i = 0; i < 10_000; i++)
        {
            sb.Append("        {\n")                                                  // item start: 4 + 12 i
              .Append("            \"apiVersion\": \"v1\",\n")
              .Append("            \"kind\": \"Pod\",\n")
              .Append("            \"metadata\": {\n")
              .Append("                \"name\": \"pod-").Append(i).Append("\",\n")
              .Append("                \"namespace\": \"ns-").Append(i % 50).Append("\"\n")
              .Append("            },\n")
              .Append("            \"spec\": {\n")
              .Append("                \"containers\": [{\"name\": \"c\", \"image\": \"nginx\"}]\n")
              .Append("            },\n")
              .Append("            \"status\": {}\n")
              .Append(i == 9_999 ? "        }\n" : "        },\n");
        }

        sb.Append("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\"resourceVersion\": \"\"}\n}\n");
        using var dir = new TempDir();
        var file = dir.Write("pods.json", sb.ToString());
        using var r = Load(file);
        r.NoErrors();
        var objects = r.Snapshot.Objects;
        Assert.Equal(10_000, objects.Count);
        Assert.Equal(("pod-0", 4), (objects[0].Name, objects[0].Source!.Line ?? 0));
        Assert.Equal(("pod-9999", 4 + (12 * 9_999)), (objects[^1].Name, objects[^1].Source!.Line ?? 0));
        Assert.Equal(("pod-5000", 4 + (12 * 5_000)), (objects[5_000].Name, objects[5_000].Source!.Line ?? 0));
        Assert.Equal(10_000, objects.Select(o => o.Name).Distinct().Count());
        Assert.All(objects, o => Assert.Equal("Pod", o.Kind));
        Assert.Equal("ns-49", objects[^1].Namespace);
    }

    [Fact]
    public void YamlStreamOf2000Documents_LoadsEveryDocumentWithItsLine()
    {
        // helm template layout: "---", "# Source:" comment, then an 8-line Deployment: 10 lines per document.
        var sb = new StringBuilder();
        for (var i = 0; i < 2_000; i++)
        {
            sb.Append("---\n")                                                        // 1 + 10 i
              .Append("# Source: chart/templates/d").Append(i).Append(".yaml\n")
              .Append("apiVersion: apps/v1\n")                                        // 3 + 10 i
              .Append("kind: Deployment\n")
              .Append("metadata:\n")
              .Append("  name: d-").Append(i).Append('\n')
              .Append("  labels: {app: d, index: \"").Append(i).Append("\"}\n")
              .Append("spec:\n")
              .Append("  replicas: ").Append(i % 3).Append('\n')
              .Append("  paused: no\n");
        }

        using var dir = new TempDir();
        var file = dir.Write("stream.yaml", sb.ToString());
        using var r = Load(file);
        r.NoErrors();
        var objects = r.Snapshot.Objects;
        Assert.Equal(2_000, objects.Count);
        Assert.Equal(("d-0", 3), (objects[0].Name, objects[0].Source!.Line ?? 0));
        Assert.Equal(("d-1999", 3 + (10 * 1_999)), (objects[^1].Name, objects[^1].Source!.Line ?? 0));
        Assert.Equal(("d-1000", 3 + (10 * 1_000)), (objects[1_000].Name, objects[1_000].Source!.Line ?? 0));
        Assert.Equal("1999", objects[^1].Labels["index"]);
        Assert.Equal(1, objects[^1].Json.Get("spec").Long("replicas"));
        Assert.False(objects[^1].Json.Get("spec").Bool("paused"));
    }

    [Fact]
    public void YamlListOf5000Items_KeepsItemLines()
    {
        var sb = new StringBuilder("apiVersion: v1\nkind: ServiceList\nmetadata: {}\nitems:\n"); // 1-4
        for (var i = 0; i < 5_000; i++)
        {
            sb.Append("- metadata:\n    name: s").Append(i).Append("\n    namespace: default\n  spec: {type: ClusterIP}\n"); // 4 lines
        }

        using var r = Text(sb.ToString());
        r.NoErrors();
        Assert.Equal(5_000, r.Snapshot.Objects.Count);
        Assert.Equal("s0@5", r.NamesAndLines()[0]);
        Assert.Equal($"s4999@{5 + (4 * 4_999)}", r.NamesAndLines()[^1]);
        Assert.All(r.Snapshot.Objects, o => Assert.Equal("Service", o.Kind));
    }
}
