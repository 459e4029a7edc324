using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>
/// YAML is read as Kubernetes reads it (sigs.k8s.io/yaml over go-yaml v2, i.e. YAML 1.1 scalars), anchors and
/// merge keys are honoured, and ambiguous mappings (duplicate or non-scalar keys) are rejected with their line.
/// </summary>
public sealed class YamlSemanticsTests
{
    private static CompactJson Spec(string specBody)
    {
        var r = Text(Doc("Thing", "t") + "spec:\n" + specBody);
        r.NoErrors();
        // Keep the result alive for the test: the element belongs to it. Tests are short; the GC reclaims it.
        return r.Object("t").Json.Get("spec");
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("YES", true)]
    [InlineData("y", true)]
    [InlineData("on", true)]
    [InlineData("On", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("no", false)]
    [InlineData("No", false)]
    [InlineData("n", false)]
    [InlineData("off", false)]
    [InlineData("OFF", false)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    public void Yaml11Booleans_AreBooleans(string text, bool expected)
    {
        var v = Spec($"  v: {text}\n").Get("v");
        Assert.Equal(expected ? JsonValueKind.True : JsonValueKind.False, v.ValueKind);
    }

    [Theory]
    [InlineData("0644", 420)]
    [InlineData("0755", 493)]
    [InlineData("-0644", -420)]
    [InlineData("00", 0)]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("12", 12)]
    [InlineData("+12", 12)]
    [InlineData("1_000", 1000)]
    [InlineData("0x1F", 31)]
    [InlineData("-0x10", -16)]
    [InlineData("0b101", 5)]
    [InlineData("0o17", 15)]
    [InlineData("089", 89)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Yaml11Integers_AreNumbers(string text, long expected)
    {
        var v = Spec($"  v: {text}\n").Get("v");
        Assert.Equal(JsonValueKind.Number, v.ValueKind);
        Assert.Equal(expected, v.GetInt64());
    }

    [Theory]
    [InlineData("1e3", 1000)]
    [InlineData("1E+3", 1000)]
    [InlineData("1.5", 1.5)]
    [InlineData("-.5", -0.5)]
    [InlineData("6.02e23", 6.02e23)]
    [InlineData("1.", 1)]
    [InlineData("99999999999999999999", 1e20)]
    public void Yaml11Floats_AreNumbers(string text, double expected)
    {
        var v = Spec($"  v: {text}\n").Get("v");
        Assert.Equal(JsonValueKind.Number, v.ValueKind);
        Assert.Equal(expected, v.GetDouble());
    }

    [Theory]
    [InlineData("\"yes\"", "yes")]
    [InlineData("'no'", "no")]
    [InlineData("\"0644\"", "0644")]
    [InlineData("'1e3'", "1e3")]
    [InlineData("!!str 123", "123")]
    [InlineData("!!str yes", "yes")]
    [InlineData("!!str ~", "~")]
    [InlineData("\"\"", "")]
    [InlineData("2001-12-14", "2001-12-14")]
    [InlineData("2001-12-14T21:59:43.10-05:00", "2001-12-14T21:59:43.10-05:00")]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData("0x", "0x")]
    [InlineData("0xZZ", "0xZZ")]
    [InlineData(".inf", ".inf")]
    [InlineData(".nan", ".nan")]
    [InlineData("yess", "yess")]
    [InlineData("nginx:1.27", "nginx:1.27")]
    [InlineData("\"multi\\nline\"", "multi\nline")]
    [InlineData("|\n    a\n    b", "a\nb\n")]
    [InlineData(">-\n    a\n    b", "a b")]
    public void QuotedTaggedAndOtherScalars_StayStrings(string text, string expected)
    {
        var v = Spec($"  v: {text}\n").Get("v");
        Assert.Equal(JsonValueKind.String, v.ValueKind);
        Assert.Equal(expected, v.GetString());
    }

    [Theory]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("Null")]
    [InlineData("NULL")]
    [InlineData("")]
    [InlineData("!!null ''")]
    public void Nulls_AreNull(string text)
    {
        var spec = Spec($"  v: {text}\n");
        Assert.Equal(JsonValueKind.Null, spec.Get("v").ValueKind);
    }

    [Theory]
    [InlineData("!!int \"42\"", "42")]
    [InlineData("!!bool \"yes\"", "true")]
    [InlineData("!!float \"2.5\"", "2.5")]
    public void CoreTags_ConvertQuotedText(string text, string expectedRaw)
    {
        Assert.Equal(expectedRaw, Spec($"  v: {text}\n").Get("v").GetRawText());
    }

    [Fact]
    public void BooleanLikeKeys_BecomeTheirJsonText()
    {
        // GitHub-style "on:" keys: go-yaml reads them as true, and sigs.k8s.io/yaml writes the key "true".
        var spec = Spec("  on: push\n  \"off\": quoted\n  ~: nothing\n  1: one\n");
        Assert.Equal("push", spec.Str("true"));
        Assert.Equal("quoted", spec.Str("off"));
        Assert.Equal("nothing", spec.Str("null"));
        Assert.Equal("one", spec.Str("1"));
    }

    [Fact]
    public void DefaultModeOctal_IsReadAsKubernetesReadsIt()
    {
        using var r = Text(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - name: s\n    secret:\n      secretName: s\n      defaultMode: 0644\n");
        r.NoErrors();
        Assert.Equal(420, r.Object("p").Json.Get("spec").Get("volumes")[0].Get("secret").Long("defaultMode"));
    }

    [Fact]
    public void AnchorsAliasesAndMergeKeys_AreExpanded()
    {
        var text =
            "apiVersion: v1\n" +
            "kind: Thing\n" +
            "metadata:\n" +
            "  name: t\n" +
            "  labels: &labels\n" +
            "    app: web\n" +
            "    tier: fe\n" +
            "spec:\n" +
            "  selector:\n" +
            "    matchLabels: *labels\n" +
            "  base: &base {cpu: 1, mem: 2}\n" +
            "  scalar: &s hello\n" +
            "  again: *s\n" +
            "  merged:\n" +
            "    <<: *base\n" +
            "    mem: 3\n" +
            "  multi:\n" +
            "    <<: [*base, {gpu: 1, cpu: 9}]\n" +
            "  inline:\n" +
            "    <<: {x: 1}\n" +
            "    \"<<\": quoted-is-a-plain-key\n" +
            "  redefined: &base {cpu: 7}\n" +
            "  later: *base\n";
        using var r = Text(text);
        r.NoErrors();
        var o = r.Object("t");
        Assert.Equal("web", o.Labels["app"]);
        var spec = o.Json.Get("spec");
        Assert.Equal("""{"app":"web","tier":"fe"}""", spec.Get("selector").Get("matchLabels").GetRawText());
        Assert.Equal("hello", spec.Str("again"));
        Assert.Equal("""{"mem":3,"cpu":1}""", spec.Get("merged").GetRawText());
        // Earlier merge sources win over later ones; explicit keys win over all.
        Assert.Equal(1, spec.Get("multi").Long("cpu"));
        Assert.Equal(2, spec.Get("multi").Long("mem"));
        Assert.Equal(1, spec.Get("multi").Long("gpu"));
        Assert.Equal(1, spec.Get("inline").Long("x"));
        Assert.Equal("quoted-is-a-plain-key", spec.Get("inline").Str("<<"));
        // An anchor may be redefined; an alias refers to the latest definition.
        Assert.Equal(7, spec.Get("later").Long("cpu"));
    }

    [Fact]
    public void DuplicateKey_IsRejectedWithItsLine_AndOtherDocumentsSurvive()
    {
        var text =
            Doc("ConfigMap", "before") +          // 1-4
            "---\n" +                             // 5
            "apiVersion: v1\n" +                  // 6
            "kind: ConfigMap\n" +                 // 7
            "metadata:\n" +                       // 8
            "  name: a\n" +                       // 9
            "  name: b\n" +                       // 10
            "---\n" +                             // 11
            Doc("ConfigMap", "after");            // 12
        using var r = Text(text);
        r.AssertError("test.yaml", 10, "duplicate key \"name\"");
        Assert.Equal(["before@1", "after@12"], r.NamesAndLines());
    }

    [Fact]
    public void DuplicateKey_AfterBooleanResolution_IsRejected()
    {
        using var r = Text(Doc("Thing", "t") + "spec:\n  yes: 1\n  true: 2\n");
        r.AssertError("test.yaml", 7, "duplicate key \"true\"");
    }

    [Theory]
    [InlineData("spec:\n  ? [a, b]\n  : value\n", 6)]
    [InlineData("spec:\n  ? {a: 1}\n  : value\n", 6)]
    [InlineData("spec:\n  [a, b]: value\n", 6)]
    public void NonScalarKey_IsRejectedWithItsLine(string body, int line)
    {
        using var r = Text(Doc("Thing", "t") + body);
        r.AssertError("test.yaml", line, "mapping keys must be scalars");
    }

    [Theory]
    [InlineData("spec:\n  <<: scalar\n", "merge key (<<) must refer to a mapping")]
    [InlineData("spec:\n  <<: [{a: 1}, x]\n", "merge key (<<) must refer to mappings")]
    public void MergeKey_OfNonMapping_IsRejected(string body, string message)
    {
        using var r = Text(Doc("Thing", "t") + body);
        r.AssertError("test.yaml", 6, message);
    }

    [Fact]
    public void UnknownAlias_IsRejectedWithItsLine()
    {
        using var r = Text(Doc("Thing", "t") + "spec:\n  a: 1\n  b: *nowhere\n");
        r.AssertError("test.yaml", 7, "unknown YAML alias *nowhere");
    }

    [Fact]
    public void NonStringName_IsNotAnObjectName()
    {
        using var r = Text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0644\n");
        r.AssertError("test.yaml", 1, "metadata.name");
    }

    [Fact]
    public void GenerateName_IdentifiesAnObject()
    {
        using var r = Text("apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: run-\n");
        r.NoErrors();
        Assert.Equal("run-", r.Snapshot.Objects.Single().Name);
    }

    [Fact]
    public void UnicodeAndEscapes_SurviveTheConversion()
    {
        var spec = Spec("  a: \"caf\\u00e9 \\U0001F600 \\t\"\n  b: naïve ✓\n  c: \"quote \\\" and backslash \\\\\"\n");
        Assert.Equal("café 😀 \t", spec.Str("a"));
        Assert.Equal("naïve ✓", spec.Str("b"));
        Assert.Equal("quote \" and backslash \\", spec.Str("c"));
    }

    [Fact]
    public void LoneSurrogateEscape_IsAnErrorNotACrash()
    {
        using var r = Text(Doc("Thing", "t") + "spec:\n  a: \"\\ud800\"\n");
        var e = r.SingleError();
        Assert.Equal("test.yaml", e.File);
        Assert.Equal(6, e.Line);
    }
}
