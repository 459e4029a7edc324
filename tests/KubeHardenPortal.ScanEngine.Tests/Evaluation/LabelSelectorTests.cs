using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation;

public sealed class LabelSelectorTests
{
    private static LabelSelector? Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return LabelSelector.FromJson(CompactJson.From(doc.RootElement));
    }

    private static Dictionary<string, string> L(params string[] kv)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i < kv.Length; i += 2)
        {
            d[kv[i]] = kv[i + 1];
        }

        return d;
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"matchLabels":{}}""")]
    [InlineData("""{"matchExpressions":[]}""")]
    [InlineData("""{"matchLabels":{},"matchExpressions":[]}""")]
    public void EmptySelectors_SelectEverything(string json)
    {
        var s = Parse(json)!;
        Assert.True(s.IsEmpty);
        Assert.True(s.Matches(L()));
        Assert.True(s.Matches(L("app", "x")));
    }

    [Fact]
    public void AbsentOrNull_IsLeftToTheCaller()
    {
        Assert.Null(LabelSelector.FromJson(default));
        Assert.Null(Parse("null"));
    }

    [Fact]
    public void MatchLabels_AndExpressions_AreAnded()
    {
        var s = Parse("""{"matchLabels":{"app":"api"},"matchExpressions":[{"key":"tier","operator":"In","values":["backend","data"]}]}""")!;
        Assert.True(s.Matches(L("app", "api", "tier", "backend")));
        Assert.False(s.Matches(L("app", "api", "tier", "web")));
        Assert.False(s.Matches(L("app", "api")));
        Assert.False(s.Matches(L("tier", "backend")));
        Assert.False(s.IsEmpty);
    }

    [Fact]
    public void MatchLabels_WithEmptyValue_RequiresTheKey()
    {
        var s = Parse("""{"matchLabels":{"canary":""}}""")!;
        Assert.True(s.Matches(L("canary", "")));
        Assert.False(s.Matches(L()));
    }

    [Fact]
    public void NotIn_MatchesObjectsWithoutTheKey()
    {
        var s = Parse("""{"matchExpressions":[{"key":"env","operator":"NotIn","values":["prod"]}]}""")!;
        Assert.True(s.Matches(L()));
        Assert.True(s.Matches(L("env", "dev")));
        Assert.False(s.Matches(L("env", "prod")));
    }

    [Fact]
    public void Exists_And_DoesNotExist()
    {
        var exists = Parse("""{"matchExpressions":[{"key":"team","operator":"Exists"}]}""")!;
        var absent = Parse("""{"matchExpressions":[{"key":"team","operator":"DoesNotExist"}]}""")!;
        Assert.True(exists.Matches(L("team", "")));
        Assert.False(exists.Matches(L("other", "x")));
        Assert.False(absent.Matches(L("team", "a")));
        Assert.True(absent.Matches(L("other", "x")));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Equals","values":["x"]}]}""")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}""")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}""")]
    [InlineData("""{"matchExpressions":[{"operator":"Exists"}]}""")]
    [InlineData("""{"matchLabels":["a"]}""")]
    [InlineData("\"app=web\"")]
    public void InvalidSelectors_MatchNothing(string json)
    {
        var s = Parse(json)!;
        Assert.False(s.IsValid);
        Assert.False(s.IsEmpty);
        Assert.False(s.Matches(L("a", "x")));
        Assert.False(s.Matches(L()));
    }

    [Fact]
    public void Evaluate_IsThreeValued()
    {
        var s = Parse("""{"matchLabels":{"ns":"orders"},"matchExpressions":[{"key":"app","operator":"Exists"}]}""")!;
        LabelFact NsOnly(string k) => k == "ns" ? LabelFact.Of("orders") : LabelFact.Unknown;
        LabelFact OtherNs(string k) => k == "ns" ? LabelFact.Of("billing") : LabelFact.Unknown;
        Assert.Null(s.Evaluate(NsOnly));
        Assert.False(s.Evaluate(OtherNs));
        Assert.True(s.Evaluate(LabelFact.From(L("ns", "orders", "app", "x"))));
    }

    [Fact]
    public void ToString_RendersKubectlStyle()
    {
        var s = Parse("""{"matchLabels":{"app":"api"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a","b"]},{"key":"x","operator":"DoesNotExist"}]}""")!;
        Assert.Equal("app=api,tier notin (a,b),!x", s.ToString());
        Assert.Equal("{}", LabelSelector.Everything.ToString());
    }
}
