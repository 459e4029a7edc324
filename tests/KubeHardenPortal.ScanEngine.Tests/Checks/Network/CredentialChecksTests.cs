using System.Text;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Network;

/// <summary>KH-NET-017/018: findings never carry the secret itself (CATALOG.md §1.11).</summary>
public sealed class CredentialChecksTests
{
    private static readonly string[] Secrets =
    [
        "Winter-2024-pass!", "AKIAZ7EXAMPLE2QWERTY", "Orca-Tide-93", "LetMeIn42", "Tundra!Falcon-58", "xR7kP2mQ9vL4tW8zN3bC",
        "Relay-Otter-2291", "s3cr3t-Relay-77",
    ];

    private static void AssertNoSecretLeaks(IEnumerable<Finding> findings)
    {
        foreach (var f in findings)
        {
            foreach (var s in Secrets)
            {
                Assert.DoesNotContain(s, f.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(s, f.Evidence?.Value ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain(s, f.Evidence?.Path ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain(s, f.SubKey ?? "", StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("KH-NET-017")]
    [InlineData("KH-NET-018")]
    public void FixtureFindings_NeverContainTheSecret(string id)
    {
        var check = KubeHardenPortal.ScanEngine.Checks.CheckCatalog.Find(id)!;
        var dir = Path.Combine(Repo.CheckFolder(check.GetType())!, "fixtures");
        var files = Directory.GetFiles(dir).Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal)).ToList();
        var findings = files.SelectMany(f => Scan.Files([f], id).Failures(id)).ToList();
        Assert.True(findings.Count >= 5);
        AssertNoSecretLeaks(findings);
    }

    [Fact]
    public void EnvAndArguments_AreEvaluatedPerContainer_WithDistinctKeys()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: Pod
            metadata: {name: multi, namespace: orders}
            spec:
              containers:
              - name: a
                image: registry.example.org/app/a:1.0.0
                env:
                - {name: DB_PASSWORD, value: "Winter-2024-pass!"}
                - {name: API_TOKEN, value: "AKIAZ7EXAMPLE2QWERTY"}
              - name: b
                image: registry.example.org/app/b:1.0.0
                command: ["/app", "--admin-password", "Orca-Tide-93"]
            """, "KH-NET-017");
        var failures = report.Failures("KH-NET-017").ToList();
        Assert.Equal(3, failures.Count);
        Assert.Equal(3, failures.Select(f => f.Fingerprint).Distinct().Count());
        var arg = failures.Single(f => f.Container!.Name == "b");
        Assert.Equal("spec.containers[1].command[2]", arg.Evidence!.Path);
        Assert.Equal(Severity.Medium, arg.Severity);
        AssertNoSecretLeaks(failures);
    }

    [Fact]
    public void ConfigMaps_InExcludedNamespacesAreExcluded_SystemOnesNotApplicable()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: app, namespace: kube-system}
            data: {DB_PASSWORD: "Winter-2024-pass!"}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: kubeadm-config, namespace: orders}
            data: {ClusterConfiguration: "apiServer: {}"}
            """, "KH-NET-018");
        var s = report.Checks.Single();
        Assert.Equal(1, s.Excluded);
        Assert.Equal(1, s.NotApplicable);
        Assert.Empty(report.Failures("KH-NET-018"));
    }

    [Fact]
    public void ConfigMaps_ReportEachOffendingKey()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: app, namespace: orders}
            data:
              DB_PASSWORD: "Winter-2024-pass!"
              app.conf: |
                token = xR7kP2mQ9vL4tW8zN3bC
                user = app
              HOST: db
            """, "KH-NET-018");
        var failures = report.Failures("KH-NET-018").ToList();
        Assert.Equal(["data.DB_PASSWORD", "data[\"app.conf\"]"], failures.Select(f => f.Evidence!.Path));
        Assert.Equal(1, report.Checks.Single().Fail);
        AssertNoSecretLeaks(failures);
    }

    [Fact(DisplayName = "KH-NET-018: identical entries in many ConfigMaps are scanned once but reported on each ConfigMap")]
    public void RepeatedEntries_AreReportedPerConfigMap()
    {
        var yaml = string.Join("---\n", Enumerable.Range(0, 5).Select(i => $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: app, namespace: team-{{i}}}
            data:
              DB_PASSWORD: "hunter2-very-secret"
              LOG_LEVEL: info
            """ + "\n"));
        var findings = Scan.Yaml(yaml, "KH-NET-018").Failures("KH-NET-018").ToList();
        Assert.Equal(5, findings.Count);
        Assert.Equal(5, findings.Select(f => f.Resource.Namespace).Distinct().Count());
        Assert.All(findings, f => Assert.DoesNotContain("hunter2-very-secret", f.Message, StringComparison.Ordinal));
        Assert.Equal(5, findings.Select(f => f.Fingerprint).Distinct().Count());
    }

    [Fact(DisplayName = "KH-NET-018: a value is scanned up to 1 MiB characters; a token ending exactly at the cap is found, one cut by it is not")]
    public void ConfigMaps_ScanCap()
    {
        const int cap = 1 << 20;
        const string token = "AKIAZ7EXAMPLE2QWERTY";
        var atCap = new string('x', cap - token.Length) + token;
        var cut = new string('x', cap - token.Length + 1) + token;
        var binary = Convert.ToBase64String(Encoding.UTF8.GetBytes(cut));
        var report = Scan.Yaml($$$"""
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big", "namespace": "orders"},
             "data": {"at-cap": "{{{atCap}}}", "cut": "{{{cut}}}"},
             "binaryData": {"cut-bin": "{{{binary}}}"}}
            """, "KH-NET-018");
        var failure = Assert.Single(report.Failures("KH-NET-018"));
        Assert.Equal("data.at-cap", failure.Evidence!.Path);
    }
}
