using KubeHardenPortal.ScanEngine.Checks.Upgrade;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Upgrade;

public sealed class UpgradeTests
{
    private static readonly DateTimeOffset Now = FixtureOptions.DefaultNow;

    private static string Snapshot(string gitVersion, string objects = "") =>
        "{\"apiVersion\": \"kubeharden.io/v1\", \"kind\": \"ClusterSnapshot\"," +
        "\"cluster\": {\"name\": \"c1\", \"serverVersion\": {\"gitVersion\": \"" + gitVersion + "\"}}," +
        "\"coverage\": [{\"resource\": \"pods\", \"status\": \"collected\"}, {\"resource\": \"configmaps\", \"status\": \"collected\"}]," +
        "\"objects\": [" + objects + "]}";

    private static KubernetesReleaseTable Table(string minor, DateOnly eol, string latest, DateOnly latestDate) =>
        new(DateOnly.FromDateTime(Now.UtcDateTime), [new KubernetesRelease(minor, eol.AddYears(-1), eol, latest, latestDate)]);

    private static DateOnly Day(int offset) => DateOnly.FromDateTime(Now.UtcDateTime).AddDays(offset);

    [Fact(DisplayName = "KH-UPG-001: the embedded release table covers 1.25–1.36 consistently and is fresh on the reference date")]
    public void EmbeddedTable()
    {
        var table = KubernetesReleaseTable.Embedded;
        Assert.Equal(new DateOnly(2026, 11, 26), table.LastRefreshed);
        Assert.Equal(Enumerable.Range(25, 12).Select(m => $"1.{m}"), table.Releases.Select(r => r.Minor));
        Assert.All(table.Releases, r =>
        {
            Assert.True(r.Released < r.EndOfLife, r.Minor);
            Assert.True(r.Released <= r.LatestPatchDate, r.Minor);
            Assert.Equal(r.Version!.Value.Minor, r.Latest!.Value.Minor);
            // Upstream supports a minor for roughly 14 months.
            Assert.InRange(r.EndOfLife.DayNumber - r.Released.DayNumber, 380, 470);
        });
        Assert.Null(table.StaleReason(Now));
        Assert.NotNull(table.StaleReason(Now.AddDays(KubernetesReleaseTable.MaxAgeDays + 1)));
    }

    [Fact(DisplayName = "KH-UPG-001: a release table older than 45 days makes the check Unknown, never Pass")]
    public void StaleTableIsUnknown()
    {
        var report = Scan.Yaml(Snapshot("v1.36.6"), "KH-UPG-001", new ScanOptions { Now = Now.AddDays(46) });
        var s = report.Checks.Single();
        Assert.Equal((1, 0, 0), (s.Unknown, s.Pass, s.Fail));
        Assert.Contains("last refreshed", report.Findings.Single().Message, StringComparison.Ordinal);
    }

    [Theory(DisplayName = "KH-UPG-001: severity follows the distance to end of support")]
    [InlineData(-200, "critical", "end-of-support")]
    [InlineData(-180, "high", "end-of-support")]
    [InlineData(-1, "high", "end-of-support")]
    [InlineData(0, "medium", "end-of-support-soon")]
    [InlineData(90, "medium", "end-of-support-soon")]
    [InlineData(91, null, null)]
    public void EndOfSupportSeverity(int daysUntilEol, string? severity, string? key)
    {
        var options = new ScanOptions { Now = Now, KubernetesReleases = Table("1.40", Day(daysUntilEol), "1.40.3", Day(-5)) };
        var failures = Scan.Yaml(Snapshot("v1.40.3"), "KH-UPG-001", options).Failures("KH-UPG-001").ToList();
        Assert.Equal(severity, failures.SingleOrDefault()?.Severity.Text());
        Assert.Equal(key, failures.SingleOrDefault()?.SubKey);
    }

    [Theory(DisplayName = "KH-UPG-001: patch lag fails beyond N releases, or when the newer patch has been out more than D days")]
    [InlineData("v1.40.5", -200, false)]  // on the newest patch
    [InlineData("v1.40.3", -30, false)]   // two behind, newest is recent
    [InlineData("v1.40.2", -30, true)]    // three behind
    [InlineData("v1.40.4", -61, true)]    // one behind for too long
    [InlineData("v1.40.4", -60, false)]
    [InlineData("v1.40.9", -61, false)]   // newer than the table's newest patch
    public void PatchLag(string version, int latestPatchAgeDays, bool fails)
    {
        var options = new ScanOptions { Now = Now, KubernetesReleases = Table("1.40", Day(300), "1.40.5", Day(latestPatchAgeDays)) };
        var failures = Scan.Yaml(Snapshot(version), "KH-UPG-001", options).Failures("KH-UPG-001").ToList();
        Assert.Equal(fails, failures.Any(f => f.SubKey == "patch"));
    }

    [Theory(DisplayName = "KH-UPG-002: kubelets may trail by three minors (two before 1.25), never lead")]
    [InlineData("v1.40.1", "v1.37.2", false)]
    [InlineData("v1.40.1", "v1.36.2", true)]
    [InlineData("v1.26.1", "v1.24.9", false)]
    [InlineData("v1.27.1", "v1.24.9", true)]
    [InlineData("v1.40.1", "v1.41.0", true)]
    [InlineData("v1.40.1", "v1.40.9", false)]
    public void Skew(string server, string kubelet, bool fails)
    {
        var table = new KubernetesReleaseTable(DateOnly.FromDateTime(Now.UtcDateTime),
            Enumerable.Range(20, 25).Select(m => new KubernetesRelease($"1.{m}", Day(-400), Day(400), $"1.{m}.9", Day(-10))).ToList());
        var node = "{\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"}, " +
                   "\"status\": {\"nodeInfo\": {\"kubeletVersion\": \"" + kubelet + "\"}}}";
        var report = Scan.Yaml(Snapshot(server, node), "KH-UPG-002", new ScanOptions { Now = Now, KubernetesReleases = table });
        Assert.Equal(fails, report.Failures("KH-UPG-002").Any(f => f.SubKey == "skew"));
    }

    [Theory(DisplayName = "KH-UPG-003: advisory version expressions (space = AND)")]
    [InlineData("<=0.49.0", "0.49.0", true)]
    [InlineData("<=0.49.0", "0.49.1", false)]
    [InlineData("=1.0.0", "1.0.0", true)]
    [InlineData(">=0.49.1 <1.0.0", "0.51.0", true)]
    [InlineData(">=0.49.1 <1.0.0", "1.0.0", false)]
    [InlineData(">=1.0.1 <1.9.0", "1.8.9", true)]
    [InlineData("<1.11.5", "1.11.5", false)]
    [InlineData("1.12.0", "1.12.0", true)]
    public void VersionExpressions(string expression, string version, bool matches) =>
        Assert.Equal(matches, VersionRange.Matches(expression, KubeVersion.Parse(version)!.Value));

    [Theory(DisplayName = "KH-UPG-003: image tags yield versions; latest and digests do not")]
    [InlineData("v1.9.4", "v1.9.4")]
    [InlineData("1.12.0-beta.0", "v1.12.0")]
    [InlineData("latest", null)]
    [InlineData(null, null)]
    public void TagVersions(string? tag, string? expected) =>
        Assert.Equal(expected, VulnerableAddons.TagVersion(tag)?.ToString());

    private static string IngressNginx(string version, string? snippets, bool configMapFlag = true)
    {
        var data = snippets is null ? "{}" : "{\"allow-snippet-annotations\": \"" + snippets + "\"}";
        var flag = configMapFlag ? ", \"--configmap=$(POD_NAMESPACE)/ingress-nginx-controller\"" : "";
        return Snapshot("v1.36.6",
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"ingress-nginx-controller\", \"namespace\": \"ingress-nginx\"}, \"data\": " + data + "}," +
            "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"controller\", \"namespace\": \"ingress-nginx\"}," +
            " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"controller\"," +
            " \"image\": \"registry.k8s.io/ingress-nginx/controller:" + version + "\", \"args\": [\"/nginx-ingress-controller\"" + flag + "]}]}}}}");
    }

    [Theory(DisplayName = "KH-UPG-003: CVE-2021-25742 by version band and allow-snippet-annotations")]
    [InlineData("v0.49.0", "false", true)]   // no switch in this version: unmitigable
    [InlineData("v1.0.0", "false", true)]
    [InlineData("v0.49.3", null, true)]      // default allows snippets
    [InlineData("v0.49.3", "false", false)]
    [InlineData("v1.8.5", null, true)]
    [InlineData("v1.8.5", "False", false)]   // Go ParseBool spellings
    [InlineData("v1.9.0", null, false)]      // default disallows from 1.9.0
    [InlineData("v1.11.5", "true", true)]
    [InlineData("v1.12.1", "1", true)]
    public void SnippetAnnotations(string version, string? snippets, bool fails)
    {
        var keys = Scan.Yaml(IngressNginx(version, snippets), "KH-UPG-003").Failures("KH-UPG-003").Select(f => f.SubKey).ToList();
        Assert.Equal(fails, keys.Contains("CVE-2021-25742"));
        Assert.Contains("ingress-nginx-eol", keys);
    }

    [Fact(DisplayName = "KH-UPG-003: without --configmap the version's default applies")]
    public void NoConfigMapFlag() =>
        Assert.Contains("CVE-2021-25742", Scan.Yaml(IngressNginx("v1.8.5", "false", configMapFlag: false), "KH-UPG-003")
            .Failures("KH-UPG-003").Select(f => f.SubKey));

    [Theory(DisplayName = "KH-UPG-003: CVE-2025-1974 affects < 1.11.5 and 1.12.0, Critical")]
    [InlineData("v1.11.4", true)]
    [InlineData("v1.11.5", false)]
    [InlineData("v1.12.0", true)]
    [InlineData("v1.12.1", false)]
    public void IngressNightmare(string version, bool fails)
    {
        var f = Scan.Yaml(IngressNginx(version, null), "KH-UPG-003").Failures("KH-UPG-003").SingleOrDefault(x => x.SubKey == "CVE-2025-1974");
        Assert.Equal(fails, f is not null);
        Assert.True(f is null || f.Severity == Severity.Critical);
    }

    [Fact(DisplayName = "KH-UPG-003: the end-of-life rule starts at its date; an unreadable ConfigMap is Unknown, not Pass")]
    public void EndOfLifeDateAndMissingConfigMap()
    {
        var before = new ScanOptions { Now = new DateTimeOffset(2026, 1, 15, 0, 0, 0, TimeSpan.Zero) };
        var yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: controller, namespace: ingress-nginx}
            spec:
              template:
                spec:
                  containers:
                  - name: controller
                    image: registry.k8s.io/ingress-nginx/controller:v1.11.5
                    args: ["--configmap=ingress-nginx/elsewhere"]
            """;
        var report = Scan.Yaml(yaml, "KH-UPG-003", before);
        var s = report.Checks.Single();
        Assert.Equal((0, 0, 1), (s.Pass, s.Fail, s.Unknown));
        Assert.Contains("ingress-nginx/elsewhere", report.Findings.Single().Message, StringComparison.Ordinal);
        Assert.Contains("ingress-nginx-eol", Scan.Yaml(yaml, "KH-UPG-003").Failures("KH-UPG-003").Select(f => f.SubKey));
    }
}
