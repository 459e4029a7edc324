using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation;

/// <summary>
/// The memoised lookups the checks share (evidence paths, API groups, parsed images, object search): the same answers
/// as computing them afresh, one instance per distinct value, and first-wins for duplicate objects.
/// </summary>
public sealed class SharedLookupsTests
{
    [Fact]
    public void Joined_paths_are_the_concatenation_and_one_shared_instance()
    {
        var prefix = "spec.template.spec.containers[" + 3 + "]";
        var a = JsonPaths.Join(prefix, ".securityContext.", "privileged");
        var b = JsonPaths.Join(new string(prefix), ".securityContext.", "privileged");

        Assert.Equal("spec.template.spec.containers[3].securityContext.privileged", a);
        Assert.Same(a, b);
        Assert.Equal("spec.hostPID", JsonPaths.Field("spec", "hostPID"));
        Assert.Equal("hostPID", JsonPaths.Field("", "hostPID"));
        Assert.Equal("ab", JsonPaths.Join("a", "b"));
    }

    [Fact]
    public void Indexed_paths_are_name_and_index_and_one_shared_instance()
    {
        Assert.Equal("rules[3]", JsonPaths.Indexed("rules", 3));
        Assert.Equal("subjects[3]", JsonPaths.Indexed("subjects", 3));
        Assert.Equal("rules[30]", JsonPaths.Indexed("rules", 30));
        Assert.Equal("rules[1000]", JsonPaths.Indexed("rules", 1000));
        Assert.Same(JsonPaths.Indexed("rules", 7), JsonPaths.Indexed(new string("rules"), 7));
    }

    [Fact]
    public void Every_part_of_a_path_is_part_of_its_key()
    {
        // Same prefix and suffix, another separator: a memo keyed on fewer parts would hand back the first text.
        Assert.Equal("spec.x", JsonPaths.Join("spec", ".", "x"));
        Assert.Equal("spec/x", JsonPaths.Join("spec", "/", "x"));
        Assert.Equal("spec:x", JsonPaths.Join("spec", ":", "x"));
        // And pieces that spell the same text stay correct whichever instance is shared.
        Assert.Equal("a.b.c", JsonPaths.Join("a.b", ".", "c"));
        Assert.Equal("a.b.c", JsonPaths.Join("a", ".", "b.c"));
    }

    [Theory]
    [InlineData("v1", "")]
    [InlineData("apps/v1", "apps")]
    [InlineData("constraints.gatekeeper.sh/v1beta1", "constraints.gatekeeper.sh")]
    [InlineData("/v1", "")]
    public void The_api_group_is_the_part_before_the_slash_and_shared_per_api_version(string apiVersion, string group)
    {
        var yaml = $"apiVersion: {apiVersion}\nkind: Thing\nmetadata: {{name: a, namespace: n}}\n---\napiVersion: {apiVersion}\nkind: Thing\nmetadata: {{name: b, namespace: n}}\n";
        using var load = new InputLoader().LoadText("x.yaml", yaml);
        var objects = load.Snapshot.Objects;

        Assert.Equal(2, objects.Count);
        Assert.Equal(group, objects[0].Group);
        Assert.Same(objects[0].Group, objects[1].Group);
    }

    [Fact]
    public void Parsed_images_are_memoised_without_changing_the_answer()
    {
        var first = ImageReference.Parse("Registry.Example.org:5000/team/app:1.2@sha256:abc");
        var again = ImageReference.Parse("Registry.Example.org:5000/team/app:1.2@sha256:abc");

        Assert.Equal(first, again);
        Assert.Equal(("Registry.Example.org:5000/team/app", "1.2", "sha256:abc"), (first.Name, first.Tag, first.Digest));
        Assert.Equal("registry.example.org:5000/team/app", first.Repository);
        Assert.Same(first.Repository, again.Repository);
        Assert.Equal("docker.io/library/nginx", ImageReference.Parse("nginx").Repository);
    }

    [Fact]
    public void Find_returns_the_first_object_of_that_kind_namespace_and_name()
    {
        const string yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: aws-auth, namespace: kube-system, labels: {copy: first}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: aws-auth, namespace: kube-system, labels: {copy: second}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: aws-auth, namespace: other}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop, labels: {copy: first}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop, labels: {copy: second}}
            """;
        using var load = new InputLoader().LoadText("x.yaml", yaml);
        var context = new ScanContext(load.Snapshot, new ScanOptions());

        Assert.Equal("first", context.Find("ConfigMap", "kube-system", "aws-auth")!.Labels["copy"]);
        Assert.Equal("other", context.Find("ConfigMap", "other", "aws-auth")!.Namespace);
        Assert.Equal("first", context.Find("Namespace", null, "shop")!.Labels["copy"]);
        Assert.Null(context.Find("ConfigMap", "kube-system", "missing"));
        Assert.Null(context.Find("Namespace", null, "missing"));
        Assert.Null(context.Find("Secret", "kube-system", "aws-auth"));
    }

    [Theory]
    [InlineData("12.50", "12.50")]
    [InlineData("-3", "-3")]
    [InlineData("1e3", "1e3")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("null", "null")]
    [InlineData("\"a\\\"b\"", "\"a\\\"b\"")]
    public void Raw_text_of_scalars_is_the_source_text(string value, string raw) =>
        Assert.Equal(raw, CompactJson.Parse("{\"v\": " + value + "}").Get("v").GetRawText());
}
