using System.Diagnostics;
using KubeHardenPortal.Cli;

namespace KubeHardenPortal.Cli.Tests;

/// <summary>
/// The native (AOT) kubeharden binary is what CI pipelines run. Trimming may drop code that only reflection reaches,
/// so it must give byte for byte the reports of the managed build on every check fixture, and the same errors.
/// </summary>
public sealed class NativeCliTests : IClassFixture<NativeCliTests.NativeBinary>
{
    private readonly NativeBinary _native;

    public NativeCliTests(NativeBinary native) => _native = native;

    private static string ChecksDir => Path.Combine(NativeBinary.RepoRoot, "src", "KubeHardenPortal.ScanEngine", "Checks");

    [Fact]
    public async Task Checks_Json_IsTheManagedCatalog()
    {
        var (native, managed) = await Both("checks", "--format", "json");
        Assert.Equal(0, native.Code);
        Assert.Equal(managed.Out, native.Out);
        Assert.Contains("\"KH-UPG-003\"", native.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_SaysWhichBuildRuns()
    {
        var (native, managed) = await Both("version");
        Assert.Equal(0, native.Code);
        Assert.Contains("60 checks", native.Out, StringComparison.Ordinal);
        Assert.Contains("; native build, linux-", native.Out, StringComparison.Ordinal);
        Assert.Contains("; managed build, ", managed.Out, StringComparison.Ordinal);
        // Everything before the build differs in nothing.
        Assert.Equal(managed.Out[..managed.Out.IndexOf(';', StringComparison.Ordinal)], native.Out[..native.Out.IndexOf(';', StringComparison.Ordinal)]);
    }

    private static IEnumerable<string> Fixtures(string pattern) =>
        Directory.EnumerateFiles(ChecksDir, pattern, SearchOption.AllDirectories)
            .Where(f => f.Contains($"{Path.DirectorySeparatorChar}fixtures{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    [Theory]
    [InlineData("json")]
    [InlineData("sarif")]
    [InlineData("table")]
    public async Task Scan_AllManifestFixturesAtOnce_GivesTheManagedReport(string format)
    {
        // Every YAML fixture of every check in one scan (a ClusterSnapshot cannot be combined with manifests).
        string[] args = ["scan", .. Fixtures("*.yaml"), "--format", format, "--show-unknown", "--show-advisories",
            "--no-default-exclusions", "--source-root", NativeBinary.RepoRoot];
        var (native, managed) = await Both(args);
        Assert.Equal(managed.Code, native.Code);
        Assert.Equal(managed.Err, native.Err);
        Assert.Equal(managed.Out, native.Out);
        // The table prints a summary per check, the others every finding.
        Assert.True(native.Out.Length > (format == "table" ? 10_000 : 1_000_000), $"suspiciously small report: {native.Out.Length} chars");
    }

    [Fact]
    public async Task Scan_EverySnapshotFixture_GivesTheManagedReport()
    {
        var snapshots = Fixtures("*.json")
            .Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal) && !f.EndsWith(".options.json", StringComparison.Ordinal))
            .ToList();
        Assert.True(snapshots.Count >= 100, $"only {snapshots.Count} snapshot fixtures found");
        var checksReporting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshot in snapshots)
        {
            string[] args = ["scan", snapshot, "--format", "json", "--show-unknown", "--no-default-exclusions"];
            var (native, managed) = await Both(args);
            Assert.True(managed.Code == native.Code, $"{snapshot}: exit {native.Code}, managed {managed.Code}");
            Assert.True(managed.Out == native.Out, $"{snapshot}: the reports differ");
            Assert.True(managed.Err == native.Err, $"{snapshot}: the errors differ");
            using var doc = System.Text.Json.JsonDocument.Parse(native.Out);
            foreach (var f in doc.RootElement.GetProperty("findings").EnumerateArray())
            {
                checksReporting.Add(f.GetProperty("checkId").GetString()!);
            }
        }

        Assert.True(checksReporting.Count >= 50, $"only {checksReporting.Count} checks reported on the snapshot fixtures");
    }

    [Fact]
    public async Task BadInput_IsReportedWithFileAndLine_ExitTwo()
    {
        var dir = Directory.CreateTempSubdirectory("kh-native-").FullName;
        try
        {
            var bomb = Path.Combine(dir, "bomb.yaml");
            File.WriteAllText(bomb, "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
                "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n");
            var garbage = Path.Combine(dir, "garbage.json");
            File.WriteAllBytes(garbage, [0x00, 0xFF, 0xFE, 0x10, 0x7B, 0x00, 0x9C]);
            var (native, managed) = await Both("scan", dir, "--format", "json");
            Assert.Equal(ExitCodes.InputOrUsage, native.Code);
            Assert.Contains("bomb.yaml", native.Err, StringComparison.Ordinal);
            Assert.Contains("garbage.json", native.Err, StringComparison.Ordinal);
            Assert.Equal(managed.Err, native.Err);
            Assert.Equal(managed.Out, native.Out);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task DamagedFixtures_GiveTheManagedErrors()
    {
        // Error texts come partly from YamlDotNet and System.Text.Json; trimming could drop or change them in the
        // native binary. Damage real fixtures in the ways files break and compare both builds on every one.
        var dir = Directory.CreateTempSubdirectory("kh-native-damaged-").FullName;
        try
        {
            var sources = Fixtures("*.yaml").Where((_, i) => i % 40 == 0).Take(8)
                .Concat(Fixtures("*.json").Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal)).Where((_, i) => i % 40 == 0).Take(4))
                .ToList();
            Assert.True(sources.Count >= 10, $"only {sources.Count} fixtures to damage");
            var n = 0;
            foreach (var source in sources)
            {
                var text = File.ReadAllText(source);
                var ext = Path.GetExtension(source);
                string[] damaged =
                [
                    text[..(text.Length / 2)],                                   // truncated mid-file
                    text.Insert(text.Length / 3, "\t\"unterminated: [ {\n"),      // tab, stray quote and brackets
                    text.Replace(":", ": : ", StringComparison.Ordinal),          // broken mappings
                    "\uFEFF" + text + "\n---\n" + text,                           // BOM and the same objects twice
                    text.Replace("kind:", "kind: [", StringComparison.Ordinal).Replace("\"kind\":", "\"kind\": [", StringComparison.Ordinal),
                ];
                foreach (var content in damaged)
                {
                    File.WriteAllText(Path.Combine(dir, $"damaged-{n++:D3}{ext}"), content);
                }
            }

            var inputErrors = 0;
            var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList();
            foreach (var file in files)
            {
                string[] args = ["scan", file, "--format", "json", "--show-unknown", "--no-default-exclusions"];
                var (native, managed) = await Both(args);
                inputErrors += native.Code == ExitCodes.InputOrUsage ? 1 : 0;
                Assert.True(managed.Code == native.Code, $"{file}: exit {native.Code}, managed {managed.Code}");
                Assert.True(managed.Err == native.Err, $"{file}: errors differ:\nnative:  {native.Err}\nmanaged: {managed.Err}");
                Assert.True(managed.Out == native.Out, $"{file}: the reports differ");
            }

            // Most damage must really be reported as input errors, or the comparison proves little.
            Assert.True(inputErrors >= files.Count / 2, $"only {inputErrors} of {files.Count} damaged files gave input errors");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task MisspeltCheckId_IsAUsageError()
    {
        var file = Fixtures("*.yaml").First();
        var (native, managed) = await Both("scan", file, "--only", "KH-POD-0001");
        Assert.Equal(ExitCodes.InputOrUsage, native.Code);
        Assert.Contains("KH-POD-001", native.Err, StringComparison.Ordinal); // the suggestion
        Assert.Equal(managed.Err, native.Err);
    }

    /// <summary>
    /// Runs the native binary, then the managed build in this process. Some messages count days (support windows,
    /// expiries), so a pair that straddles midnight UTC is run again rather than compared.
    /// </summary>
    private async Task<((int Code, string Out, string Err) Native, (int Code, string Out, string Err) Managed)> Both(params string[] args)
    {
        while (true)
        {
            var day = DateTime.UtcNow.Date;
            var native = await _native.RunAsync(args);
            var managed = await RunManaged(args);
            if (DateTime.UtcNow.Date == day)
            {
                return (native, managed);
            }
        }
    }

    private static async Task<(int Code, string Out, string Err)> RunManaged(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, TimeProvider.System, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// The binary scripts/test.sh built (<c>KH_NATIVE_CLI</c>), else one (re)built here with scripts/build-cli.sh into
    /// artifacts/kubeharden (needs clang; under a minute when the engine changed).
    /// </summary>
    public sealed class NativeBinary
    {
        public static string RepoRoot { get; } = FindRoot();

        public NativeBinary()
        {
            var given = Environment.GetEnvironmentVariable("KH_NATIVE_CLI");
            if (!string.IsNullOrEmpty(given))
            {
                Assert.True(File.Exists(given), $"KH_NATIVE_CLI={given} does not exist");
                Path = given;
                return;
            }

            var outDir = System.IO.Path.Combine(RepoRoot, "artifacts", "kubeharden");
            using var build = Start(System.IO.Path.Combine(RepoRoot, "scripts", "build-cli.sh"), [outDir]);
            // Both pipes are drained while waiting, so a long error log cannot block the build.
            var stdoutTask = build.StandardOutput.ReadToEndAsync();
            var stderrTask = build.StandardError.ReadToEndAsync();
            if (!build.WaitForExit(TimeSpan.FromMinutes(8)))
            {
                build.Kill(entireProcessTree: true);
            }

            var stdout = stdoutTask.GetAwaiter().GetResult();
            Assert.True(build.HasExited && build.ExitCode == 0, $"scripts/build-cli.sh failed: {stderrTask.GetAwaiter().GetResult()}");
            Path = stdout.Trim();
            Path = System.IO.Path.IsPathRooted(Path) ? Path : System.IO.Path.Combine(RepoRoot, Path);
        }

        public string Path { get; }

        public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
        {
            using var p = Start(Path, args);
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Path} {string.Join(' ', args)} did not finish in 2 minutes");
            }

            return (p.ExitCode, await stdout, await stderr);
        }

        private static Process Start(string file, IEnumerable<string> args)
        {
            var info = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepoRoot,
            };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            // No colour, as in the managed run whose output is not a terminal.
            info.Environment["NO_COLOR"] = "1";
            return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        }

        private static string FindRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "KubeHardenPortal.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("repository root (KubeHardenPortal.sln) not found");
        }
    }
}
