using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

public sealed class ScanSettingsTests
{
    private static ScanOptions Apply(string text) => ScanSettings.Apply(new ScanOptions(), text, "org.yaml");

    private static string Refused(string text) => Assert.Throws<ScanSettingsException>(() => Apply(text)).Message;

    [Fact]
    public void Yaml_settings_are_applied_and_absent_ones_keep_their_defaults()
    {
        var o = Apply("""
            # comments are fine
            approvedRegistries: [registry.example.org]
            requireCpuLimits: false
            podPidsLimitCeiling: 4096
            excludedNamespaces: [kube-system, monitoring]
            knownBadNodeImages:
              - osImage: "Ubuntu 20.04*"
                reason: end of standard support
            """);

        Assert.Equal(["registry.example.org"], o.ApprovedRegistries);
        Assert.False(o.RequireCpuLimits);
        Assert.Equal(4096, o.PodPidsLimitCeiling);
        Assert.True(o.IsExcluded("monitoring"));
        Assert.False(o.IsExcluded("kube-public"));
        Assert.Equal(new NodeImageRule("Ubuntu 20.04*", null, "end of standard support"), Assert.Single(o.KnownBadNodeImages));
        Assert.True(o.RequireExplicitRunAsGroup);
        Assert.Equal(new ScanOptions().CredentialNameTerms, o.CredentialNameTerms);
    }

    [Fact]
    public void Json_settings_and_empty_documents_are_accepted()
    {
        Assert.Equal(["a.example"], Apply("""{"approvedRegistries": ["a.example"], "maxHighVulnerabilities": 3}""").ApprovedRegistries);
        Assert.Equal(new ScanOptions().PodPidsLimitCeiling, Apply("# nothing set yet\n").PodPidsLimitCeiling);
    }

    [Theory]
    [InlineData("approvedRegistrys: [x]\n", "unknown setting \"approvedRegistrys\" (known: approvedRegistries,")]
    [InlineData("now: 2020-01-01\n", "unknown setting \"now\"")]
    [InlineData("onlyChecks: [KH-POD-001]\n", "unknown setting \"onlyChecks\"")]
    [InlineData("requireCpuLimits: maybe\n", "setting requireCpuLimits has the wrong type (expected true or false)")]
    [InlineData("podPidsLimitCeiling: \"4096\"\n", "setting podPidsLimitCeiling has the wrong type (expected a whole number)")]
    [InlineData("approvedRegistries: registry.example.org\n", "setting approvedRegistries has the wrong type (expected a list of strings)")]
    [InlineData("approvedRegistries: [\"\"]\n", "setting approvedRegistries[0] is empty")]
    [InlineData("podPidsLimitCeiling: 0\n", "setting podPidsLimitCeiling must be greater than 0")]
    [InlineData("maxCriticalVulnerabilities: -1\n", "vulnerability ceilings cannot be negative")]
    [InlineData("productionNamespaceLabels: [production]\n", "must be key=value")]
    [InlineData("knownBadNodeImages: [{reason: x}]\n", "knownBadNodeImages[0] needs an osImage or a kernelVersion pattern")]
    [InlineData("knownBadNodeImages: [{osImage: \"x*\"}]\n", "knownBadNodeImages[0] needs a reason")]
    [InlineData("knownBadNodeImages: [{osImage: x, reason: old, severity: high}]\n", "unknown key \"severity\" in knownBadNodeImages[0] (known: osImage, kernelVersion, reason)")]
    [InlineData("- a\n- b\n", "the document must be a mapping of setting names to values")]
    [InlineData("a: [1, 2\n", "org.yaml:2: invalid YAML")]
    [InlineData("approvedRegistries: [a]\n---\nrequireCpuLimits: false\n", "org.yaml:2: a settings file holds one document")]
    public void Bad_settings_are_refused_with_a_message_naming_the_file_and_setting(string text, string expected)
    {
        var message = Refused(text);

        Assert.StartsWith("org.yaml", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_is_refused_without_expanding_it()
    {
        var bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + string.Concat(Enumerable.Range(0, 8).Select(i =>
            $"l{i}: &l{i} [{string.Join(",", Enumerable.Repeat(i == 0 ? "*a" : $"*l{i - 1}", 10))}]\n"));

        Assert.Contains("alias", Refused(bomb), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_oversized_document_is_refused_before_it_is_parsed()
    {
        var huge = "credentialAllowlist:\n" + string.Concat(Enumerable.Repeat("  - " + new string('x', 1000) + "\n", 1100));

        Assert.Contains("at most 1024 KiB", Refused(huge), StringComparison.Ordinal);
    }

    [Fact]
    public void Known_bad_node_images_reach_the_check_as_advisories()
    {
        var options = Apply("""
            knownBadNodeImages:
              - {kernelVersion: "5.4.*", reason: "kernel 5.4 is on the bad list"}
            """) with { Now = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) };
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: Node
            metadata: {name: n1}
            status: {nodeInfo: {kubeletVersion: v1.34.2, osImage: Ubuntu 20.04.6 LTS, kernelVersion: 5.4.0-1103-aws}}
            """, "KH-UPG-002", options);

        var advisory = Assert.Single(report.Advisories);
        Assert.Equal("n1", advisory.Resource.Name);
        Assert.Equal(new Evidence("status.nodeInfo.kernelVersion", "5.4.0-1103-aws"), advisory.Evidence);
        Assert.Contains("kernel 5.4 is on the bad list", advisory.Message, StringComparison.Ordinal);
    }
}
