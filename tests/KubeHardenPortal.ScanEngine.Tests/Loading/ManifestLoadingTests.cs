using System.Text;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>Multi-document YAML, kind: List, kubectl and Helm output: every object and the line it starts on.</summary>
public sealed class ManifestLoadingTests
{
    private const string MultiDoc =
        "# leading comment\n" +          // 1
        "apiVersion: v1\n" +             // 2
        "kind: ConfigMap\n" +            // 3
        "metadata:\n" +                  // 4
        "  name: a\n" +                  // 5
        "---\n" +                        // 6  an empty document follows
        "---   # only a comment here\n" +// 7
        "# and a comment-only document\n" + // 8
        "---\n" +                        // 9
        "\n" +                           // 10
        "apiVersion: v1\n" +             // 11
        "kind: ConfigMap\n" +            // 12
        "metadata: {name: b}\n" +        // 13
        "...\n" +                        // 14 end marker
        "--- # a separator with a trailing comment\n" + // 15
        "apiVersion: v1\n" +             // 16
        "kind: Secret\n" +               // 17
        "metadata:\n" +                  // 18
        "  name: c\n" +                  // 19
        "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}\n" + // 20
        "---\n" +                        // 21
        "~\n" +                          // 22 an explicit null document
        "--- \n" +                       // 23
        "apiVersion: v1\n" +             // 24
        "kind: ConfigMap\n" +            // 25
        "metadata:\n" +                  // 26
        "  name: e\n" +                  // 27
        "...\n";                         // 28

    [Fact]
    public void MultiDocumentYaml_KeepsEveryDocumentAndItsLine()
    {
        using var r = Text(MultiDoc);
        r.NoErrors();
        Assert.Equal(["a@2", "b@11", "c@16", "d@20", "e@24"], r.NamesAndLines());
        Assert.All(r.Snapshot.Objects, o => Assert.Equal("test.yaml", o.Source!.File));
        Assert.Equal(SnapshotMode.Manifests, r.Snapshot.Mode);
    }

    [Fact]
    public void CrLfLineEndings_GiveTheSameObjectsAndLines()
    {
        using var r = Text(MultiDoc.Replace("\n", "\r\n", StringComparison.Ordinal));
        r.NoErrors();
        Assert.Equal(["a@2", "b@11", "c@16", "d@20", "e@24"], r.NamesAndLines());
        // The CR must not leak into values.
        Assert.Equal("Secret", r.Object("c").Kind);
    }

    [Fact]
    public void OldMacCrLineEndings_AreLineBreaksToo()
    {
        using var r = Text(MultiDoc.Replace("\n", "\r", StringComparison.Ordinal));
        r.NoErrors();
        Assert.Equal(["a@2", "b@11", "c@16", "d@20", "e@24"], r.NamesAndLines());
    }

    [Fact]
    public void Utf8Bom_IsIgnoredAndLinesDoNotMove()
    {
        using var dir = new TempDir();
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(MultiDoc)).ToArray();
        var file = dir.Write("bom.yaml", bytes);
        using var r = Load(file);
        r.NoErrors();
        Assert.Equal(["a@2", "b@11", "c@16", "d@20", "e@24"], r.NamesAndLines());
        Assert.Equal(file, r.Object("a").Source!.File);

        var json = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"j\"}}")).ToArray();
        using var rj = Load(dir.Write("bom.json", json));
        rj.NoErrors();
        Assert.Equal(["j@1"], rj.NamesAndLines());
    }

    [Fact]
    public void EndMarkerWithComment_StartsANewDocumentWithoutSeparator()
    {
        // YAML allows a bare document right after "..."; it must not be dropped silently.
        var text = Doc("ConfigMap", "a") + "... # end of a\n" + Doc("ConfigMap", "b");
        using var r = Text(text);
        r.NoErrors();
        Assert.Equal(["a@1", "b@6"], r.NamesAndLines());
    }

    [Fact]
    public void YamlDirective_BeforeSeparator_BelongsToTheNextDocument()
    {
        var text = "%YAML 1.1\n---\n" + Doc("ConfigMap", "a") + "...\n%YAML 1.1\n--- \n" + Doc("ConfigMap", "b");
        using var r = Text(text);
        r.NoErrors();
        Assert.Equal(["a@3", "b@10"], r.NamesAndLines());
    }

    [Fact]
    public void DocumentStartingWithFlowMapping_InAYamlFile_IsReadAsYaml()
    {
        // A YAML flow mapping looks like JSON at its first byte but is not JSON.
        using var r = Text("{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}}\n---\n" + Doc("ConfigMap", "b"));
        r.NoErrors();
        Assert.Equal(["flow@1", "b@3"], r.NamesAndLines());
    }

    [Fact]
    public void HelmTemplateOutput_LoadsWithSourceCommentsAndBlankDocuments()
    {
        var text =
            "---\n" +                                            // 1
            "# Source: web/templates/serviceaccount.yaml\n" +   // 2
            "apiVersion: v1\n" +                                 // 3
            "kind: ServiceAccount\n" +                           // 4
            "metadata:\n" +                                      // 5
            "  name: rel-web\n" +                                // 6
            "  labels:\n" +                                      // 7
            "    helm.sh/chart: web-0.1.0\n" +                   // 8
            "---\n" +                                            // 9
            "# Source: web/templates/disabled.yaml\n" +          // 10
            "---\n" +                                            // 11
            "# Source: web/templates/empty.yaml\n" +             // 12
            "\n" +                                               // 13
            "\n" +                                               // 14
            "---\n" +                                            // 15
            "# Source: web/templates/deployment.yaml\n" +        // 16
            "apiVersion: apps/v1\n" +                            // 17
            "kind: Deployment\n" +                               // 18
            "metadata:\n" +                                      // 19
            "  name: rel-web\n" +                                // 20
            "spec:\n" +                                          // 21
            "  replicas: 1\n" +                                  // 22
            "  template:\n" +                                    // 23
            "    spec:\n" +                                      // 24
            "      containers:\n" +                              // 25
            "        - name: web\n" +                            // 26
            "          image: \"nginx:1.27\"\n" +                // 27
            "          securityContext:\n" +                     // 28
            "            runAsNonRoot: true\n" +                 // 29
            "---\n" +                                            // 30
            "# Source: web/templates/tests/test-connection.yaml\n" + // 31
            "apiVersion: v1\n" +                                 // 32
            "kind: Pod\n" +                                      // 33
            "metadata:\n" +                                      // 34
            "  name: \"rel-web-test-connection\"\n" +            // 35
            "  annotations:\n" +                                 // 36
            "    \"helm.sh/hook\": test\n";                      // 37
        using var r = Text(text, "helm.yaml");
        r.NoErrors();
        Assert.Equal(["rel-web@3", "rel-web@17", "rel-web-test-connection@32"], r.NamesAndLines());
        Assert.Equal(["ServiceAccount", "Deployment", "Pod"], r.Snapshot.Objects.Select(o => o.Kind));
        var dep = r.Snapshot.Objects[1];
        Assert.Equal("apps/v1", dep.ApiVersion);
        Assert.True(dep.Json.Get("spec").Get("template").Get("spec").Get("containers")[0]
            .Get("securityContext").Get("runAsNonRoot").GetBoolean());
        Assert.Equal("test", r.Snapshot.Objects[2].Annotations["helm.sh/hook"]);
    }

    [Fact]
    public void YamlList_ItemsCarryTheirOwnLines()
    {
        var text =
            "apiVersion: v1\n" +        // 1
            "kind: List\n" +            // 2
            "items:\n" +                // 3
            "- apiVersion: v1\n" +      // 4
            "  kind: ConfigMap\n" +     // 5
            "  metadata:\n" +           // 6
            "    name: a\n" +           // 7
            "- apiVersion: apps/v1\n" + // 8
            "  kind: Deployment\n" +    // 9
            "  metadata:\n" +           // 10
            "    name: b\n" +           // 11
            "    namespace: web\n" +    // 12
            "metadata:\n" +             // 13
            "  resourceVersion: \"\"\n";// 14
        using var r = Text(text);
        r.NoErrors();
        Assert.Equal(["a@4", "b@8"], r.NamesAndLines());
        Assert.Equal("apps/v1", r.Object("b").ApiVersion);
        Assert.Equal("web", r.Object("b").Namespace);
    }

    [Fact]
    public void KubectlGetYaml_TypedPodList_ItemsWithoutKindGetItFromTheList()
    {
        var text =
            "apiVersion: v1\n" +        // 1
            "kind: PodList\n" +         // 2
            "metadata:\n" +             // 3
            "  resourceVersion: \"42\"\n" + // 4
            "items:\n" +                // 5
            "  - metadata:\n" +         // 6
            "      name: p1\n" +        // 7
            "      namespace: ns\n" +   // 8
            "    spec:\n" +             // 9
            "      containers: [{name: c, image: nginx}]\n" + // 10
            "  - metadata:\n" +         // 11
            "      name: p2\n";         // 12
        using var r = Text(text);
        r.NoErrors();
        Assert.Equal(["p1@6", "p2@11"], r.NamesAndLines());
        Assert.All(r.Snapshot.Objects, o =>
        {
            Assert.Equal("Pod", o.Kind);
            Assert.Equal("v1", o.ApiVersion);
            Assert.Equal("Pod", o.Json.Str("kind"));
        });
        Assert.Equal("ns", r.Object("p1").Namespace);
        Assert.Equal("nginx", r.Object("p1").Json.Get("spec").Get("containers")[0].Str("image"));
    }

    [Fact]
    public void KubectlGetJson_ListAndTypedList_ItemsCarryTheirLines()
    {
        using var dir = new TempDir();
        var list =
            "{\n" +                                     // 1
            "    \"apiVersion\": \"v1\",\n" +           // 2
            "    \"items\": [\n" +                      // 3
            "        {\n" +                             // 4
            "            \"apiVersion\": \"v1\",\n" +   // 5
            "            \"kind\": \"Service\",\n" +    // 6
            "            \"metadata\": {\"name\": \"s1\", \"namespace\": \"a\"}\n" + // 7
            "        },\n" +                            // 8
            "        {\"apiVersion\": \"apps/v1\", \"kind\": \"DaemonSet\", \"metadata\": {\"name\": \"d1\"}},\n" + // 9
            "\n" +                                      // 10
            "        {\n" +                             // 11
            "            \"apiVersion\": \"rbac.authorization.k8s.io/v1\",\n" + // 12
            "            \"kind\": \"ClusterRole\",\n" +// 13
            "            \"metadata\": {\"name\": \"cr\"}\n" + // 14
            "        }\n" +                             // 15
            "    ],\n" +                                // 16
            "    \"kind\": \"List\",\n" +               // 17
            "    \"metadata\": {\"resourceVersion\": \"\"}\n" + // 18
            "}\n";
        var typed =
            "{\"kind\": \"DeploymentList\", \"apiVersion\": \"apps/v1\", \"metadata\": {},\n" + // 1
            " \"items\": [\n" +                                                                 // 2
            "  {\"metadata\": {\"name\": \"x\", \"namespace\": \"n\"}, \"spec\": {\"replicas\": 2}},\n" + // 3
            "  {\"metadata\": {\"name\": \"y\"}}\n" +                                          // 4
            "]}";
        using var r = Load(dir.Write("list.json", list), dir.Write("typed.json", typed));
        r.NoErrors();
        Assert.Equal(["s1@4", "d1@9", "cr@11", "x@3", "y@4"], r.NamesAndLines());
        Assert.Null(r.Object("cr").Namespace);
        Assert.Equal("Deployment", r.Object("x").Kind);
        Assert.Equal("apps/v1", r.Object("y").ApiVersion);
        Assert.Equal(2, r.Object("x").Json.Get("spec").Long("replicas"));
        Assert.Equal(2, r.FilesRead);

        using var crlf = Load(dir.Write("crlf.json", list.Replace("\n", "\r\n", StringComparison.Ordinal)));
        crlf.NoErrors();
        Assert.Equal(["s1@4", "d1@9", "cr@11"], crlf.NamesAndLines());
    }

    [Fact]
    public void ListItems_ThatAreNotObjects_AreReportedWithTheirLines_OthersKept()
    {
        var text =
            "apiVersion: v1\n" +             // 1
            "kind: List\n" +                 // 2
            "items:\n" +                     // 3
            "- " + "just a string\n" +       // 4
            "- apiVersion: v1\n" +           // 5
            "  kind: ConfigMap\n" +          // 6
            "  metadata: {name: ok}\n" +     // 7
            "- apiVersion: v1\n" +           // 8
            "  metadata: {name: nokind}\n" + // 9
            "- kind: ConfigMap\n" +          // 10
            "  metadata: {name: noapiversion}\n"; // 11
        using var r = Text(text);
        Assert.Equal(["ok@5"], r.NamesAndLines());
        Assert.Equal(3, r.Errors.Count);
        Assert.Equal(4, r.Errors[0].Line);
        Assert.Contains("item 0 of the List is not an object", r.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(8, r.Errors[1].Line);
        Assert.Contains("\"kind\"", r.Errors[1].Message, StringComparison.Ordinal);
        // A plain List does not lend its own apiVersion ("v1") to its items: only typed lists (PodList...) do.
        Assert.Equal(10, r.Errors[2].Line);
        Assert.Contains("\"apiVersion\"", r.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonDuplicateKeys_LastOneWins_AsTheApiServerReadsThem()
    {
        // Go's encoding/json (and so the API server without strict validation) keeps the last value; the
        // scanner must see the same value, never the first one.
        using var dir = new TempDir();
        var file = dir.Write("dup.json",
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"hostNetwork\":false,\"hostNetwork\":true}}");
        using var r = Load(file);
        r.NoErrors();
        Assert.True(r.Object("p").Json.Get("spec").Bool("hostNetwork"));
    }

    [Fact]
    public void EmptyFileAndEmptyList_LoadNothingWithoutError()
    {
        using var dir = new TempDir();
        using var r = Load(dir.Write("empty.yaml", ""), dir.Write("blank.yaml", "\n\n  \n# only comments\n---\n"),
            dir.Write("list.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[]}"));
        r.NoErrors();
        Assert.Empty(r.Snapshot.Objects);
        Assert.Equal(3, r.FilesRead);
    }

    [Fact]
    public void SameFileGivenTwice_IsLoadedOnce()
    {
        using var dir = new TempDir();
        var file = dir.Write("a/pod.yaml", Doc("ConfigMap", "once"));
        using var r = Load(file, dir.PathOf("a"), Path.Combine(dir.Root, "a", ".", "pod.yaml"));
        r.NoErrors();
        Assert.Equal(["once@1"], r.NamesAndLines());
        Assert.Equal(1, r.FilesRead);
    }

    [Fact]
    public void LoadText_KeepsTheGivenNameAsSource()
    {
        using var r = Text(Doc("ConfigMap", "a"), "upload-42.yaml");
        r.NoErrors();
        Assert.Equal(new SourceLocation("upload-42.yaml", 1), r.Object("a").Source);
        Assert.Equal(1, r.FilesRead);
    }

    [Fact(DisplayName = "Loaded objects own their JSON: it stays readable after the result is disposed (nothing pooled is returned)")]
    public void ObjectJson_OwnsItsData()
    {
        var r = Text(Doc("ConfigMap", "a") + "data:\n  k: v\n");
        var obj = r.Object("a");
        r.Dispose();
        r.Dispose(); // twice is harmless
        Assert.Equal("v", obj.Json.Get("data").Str("k"));
        Assert.Contains("\"k\":\"v\"", obj.Json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(DisplayName = "Typed list items get the list's kind and apiVersion filled in")]
    public void TypedListItem_GetsKindAndApiVersion()
    {
        using var r = Text("apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p}\n");
        var obj = r.Object("p");
        Assert.Equal(JsonValueKind.Object, obj.Json.ValueKind);
        Assert.Equal("Pod", obj.Json.Str("kind"));
        Assert.Equal("v1", obj.Json.Str("apiVersion"));
    }

    [Fact(DisplayName = "metadata.managedFields is dropped at load (server bookkeeping no check reads); other metadata stays")]
    public void ManagedFields_AreDropped()
    {
        using var r = Text("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"y"},
             "managedFields":[{"manager":"kubectl","fieldsV1":{"f:data":{}}}]},"data":{"managedFields":"kept"}}
            """);
        var obj = r.Object("a");
        Assert.Equal(JsonValueKind.Undefined, obj.Metadata.Get("managedFields").ValueKind);
        Assert.Equal("y", obj.Labels["x"]);
        Assert.Equal("kept", obj.Json.Get("data").Str("managedFields"));
    }

    [Fact(DisplayName = "Status bookkeeping is dropped at load; what checks read from status stays, and same-named fields elsewhere stay")]
    public void StatusBookkeeping_IsDropped()
    {
        using var r = Text("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n","resourceVersion":"123","uid":"u-1"},
             "spec":{"containers":[{"name":"c","image":"app:1"}],"conditions":"spec-kept"},
             "status":{"phase":"Running","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}],"hostIP":"10.1.0.1","startTime":"t",
               "conditions":[{"type":"Ready","status":"True"}],
               "containerStatuses":[{"name":"c","image":"app:1","imageID":"app@sha256:abc","containerID":"containerd://x",
                 "state":{"running":{}},"restartCount":3,"ready":true}],
               "initContainerStatuses":[{"name":"i","imageID":"init@sha256:def","lastState":{}}]}}
            ---
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d","namespace":"n"},
             "status":{"desiredNumberScheduled":3,"numberReady":2,"conditions":[{"type":"x"}]}}
            ---
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1"},
             "status":{"nodeInfo":{"kubeletVersion":"v1.31.2","osImage":"Ubuntu"},"images":[{"names":["a"]}],"conditions":[]}}
            """);
        var pod = r.Object("p").Json;
        var status = pod.Get("status");
        Assert.Equal("Running", status.Str("phase"));
        foreach (var dropped in new[] { "podIP", "podIPs", "hostIP", "startTime", "conditions" })
        {
            Assert.Equal(JsonValueKind.Undefined, status.Get(dropped).ValueKind);
        }

        var cs = status.Get("containerStatuses")[0];
        Assert.Equal(("c", "app:1", "app@sha256:abc"), (cs.Str("name"), cs.Str("image"), cs.Str("imageID")));
        Assert.Equal(JsonValueKind.Undefined, cs.Get("containerID").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, cs.Get("state").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, cs.Get("restartCount").ValueKind);
        Assert.Equal("init@sha256:def", status.Get("initContainerStatuses")[0].Str("imageID"));
        Assert.Equal(JsonValueKind.Undefined, status.Get("initContainerStatuses")[0].Get("lastState").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, pod.Get("metadata").Get("resourceVersion").ValueKind);
        Assert.Equal("u-1", r.Object("p").Uid);
        Assert.Equal("spec-kept", pod.Get("spec").Str("conditions"));

        var ds = r.Object("d").Json.Get("status");
        Assert.Equal((3L, 2L), (ds.Long("desiredNumberScheduled"), ds.Long("numberReady")));
        Assert.Equal(JsonValueKind.Undefined, ds.Get("conditions").ValueKind);

        var node = r.Object("node-1").Json.Get("status");
        Assert.Equal("v1.31.2", node.Get("nodeInfo").Str("kubeletVersion"));
        Assert.Equal(JsonValueKind.Undefined, node.Get("images").ValueKind);
    }
}
