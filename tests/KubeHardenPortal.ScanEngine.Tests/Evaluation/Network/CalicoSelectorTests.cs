using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Network;

public sealed class CalicoSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new()
    {
        ["app"] = "api",
        ["tier"] = "backend",
        ["projectcalico.org/namespace"] = "orders",
        ["version"] = "v2-beta",
    };

    private static bool? Eval(string text)
    {
        var s = CalicoSelector.Parse(text, out var error);
        Assert.True(s is not null, error);
        return s!.Evaluate(LabelFact.From(Labels));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("all()", true)]
    [InlineData("global()", false)]
    [InlineData("has(app)", true)]
    [InlineData("!has(app)", false)]
    [InlineData("has(missing)", false)]
    [InlineData("app == 'api'", true)]
    [InlineData("app == \"web\"", false)]
    [InlineData("app != 'web'", true)]
    [InlineData("missing != 'x'", true)]
    [InlineData("tier in {'backend', 'data'}", true)]
    [InlineData("tier not in {'backend'}", false)]
    [InlineData("missing not in {'a'}", true)]
    [InlineData("tier in {}", false)]
    [InlineData("version contains 'beta'", true)]
    [InlineData("version starts with 'v2'", true)]
    [InlineData("version ends with 'stable'", false)]
    [InlineData("app == 'api' && tier == 'backend'", true)]
    [InlineData("app == 'web' || tier == 'backend'", true)]
    [InlineData("!(app == 'api' && tier == 'web')", true)]
    [InlineData("projectcalico.org/namespace not in {'kube-system', 'calico-system'}", true)]
    [InlineData("app == 'web' || (tier == 'backend' && !has(missing))", true)]
    public void Evaluates(string text, bool expected) => Assert.Equal(expected, Eval(text));

    [Theory]
    [InlineData("app ~= 'x'")]
    [InlineData("app == api")]
    [InlineData("(app == 'x'")]
    [InlineData("app in 'x'")]
    [InlineData("has(app")]
    [InlineData("app == 'x' extra")]
    public void RejectsWhatItDoesNotUnderstand(string text)
    {
        Assert.Null(CalicoSelector.Parse(text, out var error));
        Assert.Contains("not understood", error);
    }

    [Fact]
    public void UnknownLabels_GiveNull_UnlessTheRestDecides()
    {
        var s = CalicoSelector.Parse("projectcalico.org/namespace == 'orders' && app == 'api'", out _)!;
        LabelFact NsOnly(string k) => k == "projectcalico.org/namespace" ? LabelFact.Of("orders") : LabelFact.Unknown;
        LabelFact OtherNs(string k) => k == "projectcalico.org/namespace" ? LabelFact.Of("billing") : LabelFact.Unknown;
        Assert.Null(s.Evaluate(NsOnly));
        Assert.False(s.Evaluate(OtherNs));
        var or = CalicoSelector.Parse("projectcalico.org/namespace == 'orders' || app == 'api'", out _)!;
        Assert.True(or.Evaluate(NsOnly));
    }
}
