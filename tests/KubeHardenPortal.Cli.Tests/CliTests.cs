using System.Text.Json;
using KubeHardenPortal.Cli;

namespace KubeHardenPortal.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kh-cli-").FullName;

    private const string PrivilegedPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: bad, namespace: shop}
        spec:
          containers:
          - name: c
            image: registry.example.org/app:1.0.0
            securityContext: {privileged: true}
        """;

    private const string CleanPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: good, namespace: shop}
        spec:
          containers:
          - name: c
            image: registry.example.org/app:1.0.0
            securityContext: {privileged: false}
        """;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, TimeProvider.System, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Scan_WithCriticalFinding_ExitsOne()
    {
        var (code, _, _) = await Run("scan", Write("a.yaml", PrivilegedPod), "--only", "KH-POD-001");
        Assert.Equal(ExitCodes.Findings, code);
    }

    [Fact]
    public async Task Scan_CleanInput_ExitsZero()
    {
        var (code, _, _) = await Run("scan", Write("a.yaml", CleanPod), "--only", "KH-POD-001");
        Assert.Equal(ExitCodes.Clean, code);
    }

    [Fact]
    public async Task Scan_FindingAtTheFailOnSeverity_ExitsOne()
    {
        var file = Write("a.yaml", PrivilegedPod);
        Assert.Equal(ExitCodes.Findings, (await Run("scan", file, "--only", "KH-POD-001", "--fail-on", "critical")).Code);
    }

    [Fact]
    public async Task Scan_OnlyFindingsBelowFailOn_ExitsZero_ButStillReportsThem()
    {
        // The clean pod's image has a tag but no digest: KH-IMG-001 reports it at Low severity.
        var file = Write("a.yaml", CleanPod);
        var (code, stdout, _) = await Run("scan", file, "--only", "KH-IMG-001", "--fail-on", "medium", "--format", "json");
        Assert.Equal(ExitCodes.Clean, code);
        using var doc = JsonDocument.Parse(stdout);
        var finding = Assert.Single(doc.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("low", finding.GetProperty("severity").GetString());
        Assert.Equal(ExitCodes.Findings, (await Run("scan", file, "--only", "KH-IMG-001", "--fail-on", "low")).Code);
    }

    [Fact]
    public async Task Scan_MisspeltOnly_IsAUsageErrorWithSuggestion()
    {
        var (code, _, err) = await Run("scan", Write("a.yaml", CleanPod), "--only", "KH-POD-01");
        Assert.Equal(ExitCodes.InputOrUsage, code);
        Assert.Contains("unknown check id \"KH-POD-01\"", err, StringComparison.Ordinal);
        Assert.Contains("KH-POD-001", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--format", "xml")]
    [InlineData("--fail-on", "severe")]
    [InlineData("--bogus", "1")]
    public async Task Scan_BadOptions_AreUsageErrors(string option, string value)
    {
        var (code, _, err) = await Run("scan", Write("a.yaml", CleanPod), option, value);
        Assert.Equal(ExitCodes.InputOrUsage, code);
        Assert.StartsWith("kubeharden: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_Stdin_IsScannedAsAFile()
    {
        var stdout = new StringWriter();
        var code = await CliApp.RunAsync(["scan", "-", "--format", "json", "--only", "KH-POD-001"], stdout, new StringWriter(),
            TimeProvider.System, CancellationToken.None, () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(PrivilegedPod)));
        Assert.Equal(ExitCodes.Findings, code);
        using var doc = JsonDocument.Parse(stdout.ToString());
        var f = doc.RootElement.GetProperty("findings")[0];
        Assert.Equal("<stdin>", f.GetProperty("source").GetProperty("file").GetString());
    }

    [Fact]
    public async Task Scan_StdinWithOtherPaths_IsAUsageError() =>
        Assert.Equal(ExitCodes.InputOrUsage, (await Run("scan", "-", Write("a.yaml", CleanPod))).Code);

    [Fact]
    public async Task Scan_NoPath_IsAUsageError() => Assert.Equal(ExitCodes.InputOrUsage, (await Run("scan")).Code);

    [Fact]
    public async Task Scan_InputErrors_ExitTwo_ButOtherFilesAreScanned()
    {
        var good = Write("good.yaml", PrivilegedPod);
        var bad = Write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
        var (code, stdout, err) = await Run("scan", good, bad, "--format", "json", "--only", "KH-POD-001");
        Assert.Equal(ExitCodes.InputOrUsage, code);
        Assert.Contains("bad.yaml", err, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("findings").GetArrayLength());
        var error = doc.RootElement.GetProperty("inputErrors")[0];
        Assert.EndsWith("bad.yaml", error.GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, error.GetProperty("line").ValueKind);
    }

    [Fact]
    public async Task Scan_Json_HasTheDocumentedFindingShape()
    {
        var (_, stdout, _) = await Run("scan", Write("a.yaml", PrivilegedPod), "--format", "json", "--only", "KH-POD-001");
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("kubeharden.io/report/v1", root.GetProperty("schemaVersion").GetString());
        var f = root.GetProperty("findings")[0];
        Assert.Equal("KH-POD-001", f.GetProperty("checkId").GetString());
        Assert.Equal("critical", f.GetProperty("severity").GetString());
        Assert.Equal("fail", f.GetProperty("status").GetString());
        var r = f.GetProperty("resource");
        Assert.Equal("v1", r.GetProperty("apiVersion").GetString());
        Assert.Equal("Pod", r.GetProperty("kind").GetString());
        Assert.Equal("shop", r.GetProperty("namespace").GetString());
        Assert.Equal("bad", r.GetProperty("name").GetString());
        Assert.Equal("c", f.GetProperty("container").GetString());
        Assert.Contains("privileged", f.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("spec.containers[0].securityContext.privileged", f.GetProperty("evidence").GetProperty("path").GetString());
        Assert.Equal("true", f.GetProperty("evidence").GetProperty("value").GetString());
        Assert.Equal(1, f.GetProperty("source").GetProperty("line").GetInt32());
        Assert.Matches("^[0-9a-f]{32}$", f.GetProperty("fingerprint").GetString());
        Assert.True(root.GetProperty("score").TryGetProperty("grade", out _));
        Assert.Equal("khp-posture/1", root.GetProperty("score").GetProperty("formulaVersion").GetString());
    }

    [Fact]
    public async Task Scan_Fingerprint_IsStableAcrossRunsAndFileMoves()
    {
        var a = await Run("scan", Write("a.yaml", PrivilegedPod), "--format", "json", "--only", "KH-POD-001");
        var b = await Run("scan", Write("moved.yaml", "# moved\n" + PrivilegedPod), "--format", "json", "--only", "KH-POD-001");
        static string Fp(string json) => JsonDocument.Parse(json).RootElement.GetProperty("findings")[0].GetProperty("fingerprint").GetString()!;
        Assert.Equal(Fp(a.Out), Fp(b.Out));
    }

    [Fact]
    public async Task Scan_Sarif_IsSarif210WithRulesAndLocatedResults()
    {
        var file = Write("a.yaml", PrivilegedPod);
        var output = Path.Combine(_dir, "out.sarif");
        var (code, stdout, _) = await Run("scan", file, "--format", "sarif", "--output", output);
        Assert.Equal(ExitCodes.Findings, code);
        Assert.Equal("", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var root = doc.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var run = root.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules");
        Assert.True(rules.GetArrayLength() > 0);
        Assert.All(rules.EnumerateArray(), r =>
        {
            Assert.False(string.IsNullOrEmpty(r.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("shortDescription").GetProperty("text").GetString()));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("properties").GetProperty("security-severity").GetString()));
        });
        var result = run.GetProperty("results").EnumerateArray().First(r => r.GetProperty("ruleId").GetString() == "KH-POD-001");
        var loc = result.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.False(loc.GetProperty("artifactLocation").GetProperty("uri").GetString()!.Contains('\\'));
        Assert.Equal(1, loc.GetProperty("region").GetProperty("startLine").GetInt32());
        var ruleIndex = result.GetProperty("ruleIndex").GetInt32();
        Assert.Equal("KH-POD-001", rules[ruleIndex].GetProperty("id").GetString());
        Assert.True(result.GetProperty("partialFingerprints").EnumerateObject().Any());
    }

    [Fact]
    public async Task Checks_Json_ListsEveryCheckWithReferences()
    {
        var (code, stdout, _) = await Run("checks", "--format", "json");
        Assert.Equal(ExitCodes.Clean, code);
        using var doc = JsonDocument.Parse(stdout);
        var checks = doc.RootElement.GetProperty("checks");
        Assert.True(checks.GetArrayLength() > 0);
        foreach (var c in checks.EnumerateArray())
        {
            Assert.Matches("^KH-[A-Z]+-\\d{3}$", c.GetProperty("id").GetString());
            var refs = c.GetProperty("references");
            Assert.Equal(JsonValueKind.Array, refs.GetProperty("kubescape").ValueKind);
            Assert.Equal(JsonValueKind.Array, refs.GetProperty("polaris").ValueKind);
            Assert.Equal(JsonValueKind.Array, refs.GetProperty("cis").ValueKind);
            Assert.True(refs.TryGetProperty("pss", out _));
        }
    }

    [Fact]
    public async Task Checks_Table_GroupsBySection()
    {
        var (code, stdout, _) = await Run("checks");
        Assert.Equal(ExitCodes.Clean, code);
        Assert.Contains("Kubernetes Pod security", stdout, StringComparison.Ordinal);
        Assert.Contains("KH-POD-001", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_Table_ShowsScoreGradeAndCoverage_WithoutColourWhenRedirected()
    {
        var (_, stdout, _) = await Run("scan", Write("a.yaml", PrivilegedPod));
        Assert.Contains("Score", stdout, StringComparison.Ordinal);
        Assert.Contains("grade", stdout, StringComparison.Ordinal);
        Assert.Contains("Coverage", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_OutputToUnwritablePath_IsAnErrorAndWritesNothing()
    {
        var (code, _, err) = await Run("scan", Write("a.yaml", CleanPod), "--output", Path.Combine(_dir, "missing-dir", "out.json"), "--format", "json");
        Assert.Equal(ExitCodes.InputOrUsage, code);
        Assert.Contains("cannot write", err, StringComparison.Ordinal);
    }

    // Passes KH-POD-002 but carries its shareProcessNamespace advisory.
    private const string SharedPidPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: shared, namespace: shop}
        spec:
          shareProcessNamespace: true
          containers:
          - name: c
            image: registry.example.org/app:1.0.0
        """;

    [Fact]
    public async Task Scan_AdvisoryOnly_ExitsZeroEvenWithFailOnLow()
    {
        var (code, _, _) = await Run("scan", Write("a.yaml", SharedPidPod), "--only", "KH-POD-002", "--fail-on", "low", "--show-advisories");
        Assert.Equal(ExitCodes.Clean, code);
    }

    [Fact]
    public async Task Scan_Json_AlwaysListsAdvisoriesApartFromFindings()
    {
        var (_, stdout, _) = await Run("scan", Write("a.yaml", SharedPidPod), "--only", "KH-POD-002", "--format", "json");
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(0, root.GetProperty("findings").GetArrayLength());
        Assert.Equal(1, root.GetProperty("summary").GetProperty("advisories").GetInt32());
        Assert.Equal(0, root.GetProperty("summary").GetProperty("findings").GetInt32());
        Assert.Equal(1, root.GetProperty("checks")[0].GetProperty("advisories").GetInt32());
        var a = Assert.Single(root.GetProperty("advisories").EnumerateArray());
        Assert.Equal("advisory", a.GetProperty("status").GetString());
        Assert.Equal("KH-POD-002", a.GetProperty("checkId").GetString());
        Assert.Equal("spec.shareProcessNamespace", a.GetProperty("evidence").GetProperty("path").GetString());
        Assert.Equal(32, a.GetProperty("fingerprint").GetString()!.Length);
        Assert.False(a.TryGetProperty("severity", out _));
    }

    [Fact]
    public async Task Scan_Table_ListsAdvisoriesOnlyWithShowAdvisoriesButAlwaysCountsThem()
    {
        var file = Write("a.yaml", SharedPidPod);
        var (_, hidden, _) = await Run("scan", file, "--only", "KH-POD-002", "--no-color");
        var (_, shown, _) = await Run("scan", file, "--only", "KH-POD-002", "--no-color", "--show-advisories");

        Assert.DoesNotContain("Advisories", hidden, StringComparison.Ordinal);
        Assert.Contains("1 advisory (list them with --show-advisories)", hidden, StringComparison.Ordinal);
        Assert.Contains("Advisories", shown, StringComparison.Ordinal);
        Assert.Contains("KH-POD-002 Pod/shop/shared", shown, StringComparison.Ordinal);
        Assert.Contains("shareProcessNamespace is true", shown, StringComparison.Ordinal);
        Assert.True(shown.IndexOf("Advisories", StringComparison.Ordinal) < shown.IndexOf("Summary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scan_Sarif_WritesAdvisoriesAsNotesOnlyWithShowAdvisories()
    {
        var file = Write("a.yaml", SharedPidPod);
        var (_, plain, _) = await Run("scan", file, "--only", "KH-POD-002", "--format", "sarif");
        var (_, withNotes, _) = await Run("scan", file, "--only", "KH-POD-002", "--format", "sarif", "--show-advisories");

        static JsonElement Results(JsonDocument d) => d.RootElement.GetProperty("runs")[0].GetProperty("results");
        using var a = JsonDocument.Parse(plain);
        using var b = JsonDocument.Parse(withNotes);
        Assert.Equal(0, Results(a).GetArrayLength());
        var note = Assert.Single(Results(b).EnumerateArray());
        Assert.Equal("note", note.GetProperty("level").GetString());
        Assert.True(note.GetProperty("properties").GetProperty("advisory").GetBoolean());
    }

    [Fact]
    public async Task Scan_SarifOfSubfolderInGitRepository_UsesRepositoryRelativeUris()
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".git"));
        var k8s = Directory.CreateDirectory(Path.Combine(_dir, "deploy", "k8s")).FullName;
        File.WriteAllText(Path.Combine(k8s, "app.yaml"), PrivilegedPod);

        var (_, stdout, _) = await Run("scan", k8s, "--only", "KH-POD-001", "--format", "sarif");

        using var doc = JsonDocument.Parse(stdout);
        var location = doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("locations")[0]
            .GetProperty("physicalLocation").GetProperty("artifactLocation");
        Assert.Equal("deploy/k8s/app.yaml", location.GetProperty("uri").GetString());
        Assert.Equal("%SRCROOT%", location.GetProperty("uriBaseId").GetString());
    }

    [Fact]
    public async Task Scan_SarifWithSourceRoot_MakesUrisRelativeToIt()
    {
        var k8s = Directory.CreateDirectory(Path.Combine(_dir, "k8s")).FullName;
        File.WriteAllText(Path.Combine(k8s, "app.yaml"), PrivilegedPod);

        var (_, stdout, _) = await Run("scan", k8s, "--only", "KH-POD-001", "--format", "sarif", "--source-root", _dir);

        using var doc = JsonDocument.Parse(stdout);
        var uri = doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("locations")[0]
            .GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString();
        Assert.Equal("k8s/app.yaml", uri);
    }

    private const string UnapprovedImagePod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: shop}
        spec:
          containers:
            - name: web
              image: docker.io/library/nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000
        """;

    [Fact]
    public async Task Scan_WithSettingsFile_AppliesTheOrganizationsRulesAndFlagsAddToThem()
    {
        var manifest = Write("pod.yaml", UnapprovedImagePod);
        var settings = Write("org.yaml", "approvedRegistries: [registry.example.org]\n");

        var (code, output, _) = await Run("scan", manifest, "--only", "KH-IMG-002", "--settings", settings, "--format", "json");
        var (flagCode, _, _) = await Run("scan", manifest, "--only", "KH-IMG-002", "--settings", settings,
            "--approved-registry", "docker.io/library", "--format", "json");

        // With the file alone the registry is not approved; the flag adds docker.io/library to the file's list.
        Assert.Equal(ExitCodes.Findings, code);
        Assert.Contains("\"checkId\": \"KH-IMG-002\"", output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Clean, flagCode);
    }

    [Theory]
    [InlineData("approvedRegistrys: [registry.example.org]\n", "unknown setting \"approvedRegistrys\"")]
    [InlineData("requireCpuLimits: perhaps\n", "setting requireCpuLimits has the wrong type")]
    [InlineData("approvedRegistries: [a]\n\u0000\u0001binary\u00ff", ":2: binary content (control character 0x00)")]
    public async Task Scan_WithBadSettingsFile_IsAUsageErrorNamingTheFile(string content, string expected)
    {
        var settings = Write("org.yaml", content);

        var (code, output, err) = await Run("scan", Write("pod.yaml", UnapprovedImagePod), "--settings", settings);

        Assert.Equal(ExitCodes.InputOrUsage, code);
        Assert.Empty(output);
        Assert.Contains(settings, err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_WithMissingOrOversizedSettingsFile_IsAUsageError()
    {
        var pod = Write("pod.yaml", UnapprovedImagePod);
        var huge = Write("huge.yaml", "credentialAllowlist: [" + string.Join(",", Enumerable.Repeat(new string('x', 100), 12_000)) + "]\n");

        var missing = await Run("scan", pod, "--settings", Path.Combine(Path.GetTempPath(), "no-such-settings.yaml"));
        var oversized = await Run("scan", pod, "--settings", huge);

        Assert.Equal(ExitCodes.InputOrUsage, missing.Code);
        Assert.Contains("does not exist", missing.Err, StringComparison.Ordinal);
        var folder = await Run("scan", pod, "--settings", Path.GetDirectoryName(pod)!);
        Assert.Equal(ExitCodes.InputOrUsage, folder.Code);
        Assert.Contains("is a folder; give the settings file", folder.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InputOrUsage, oversized.Code);
        Assert.Contains("a settings file is at most 1024 KiB", oversized.Err, StringComparison.Ordinal);
    }
}
