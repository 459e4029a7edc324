using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Benchmarks.Generator;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

/// <summary>
/// <c>bench --sizes 5000,20000,50000 [--out DIR] [--repeat 3] [--seed N] [--indented] [--warmup-size 1000]</c>:
/// generates (or reuses) one snapshot per size and measures parse floor, load and evaluation, each in a fresh
/// child process, then prints markdown tables (and writes them to DIR/results-*.md and .json).
/// </summary>
internal static class BenchCommand
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    private sealed record Variant(string Phase, bool Warm)
    {
        public string Label => $"{Phase}-{(Warm ? "warm" : "cold")}";
    }

    private static readonly Variant[] Variants =
    [
        new("parse", false), new("parse", true), new("load", false), new("load", true), new("eval", false), new("eval", true),
    ];

    private sealed record ChildRun(ChildResult Result, double WallMs);

    private sealed record SizeResult(int Target, GeneratedSnapshot Snapshot, double GenerateSeconds, Dictionary<string, List<ChildRun>> Runs)
    {
        public double Median(string variant, Func<ChildResult, double> metric) => MedianOf(Runs[variant].Select(r => metric(r.Result)));

        public double MedianWall(string variant) => MedianOf(Runs[variant].Select(r => r.WallMs));

        public ChildResult Last(string variant) => Runs[variant][^1].Result;
    }

    public static int Run(string[] args)
    {
        var sizes = new List<int> { 5_000, 20_000, 50_000 };
        var outDir = "bench-out";
        var repeat = 3;
        var seed = new GeneratorOptions().Seed;
        var indented = false;
        var warmupSize = 1_000;
        var native = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--sizes":
                    sizes = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal).Replace("k", "000", StringComparison.OrdinalIgnoreCase), Ic))
                        .ToList();
                    break;
                case "--out": outDir = Next(); break;
                case "--repeat": repeat = Math.Max(1, int.Parse(Next(), Ic)); break;
                case "--seed": seed = int.Parse(Next(), Ic); break;
                case "--indented": indented = true; break;
                case "--warmup-size": warmupSize = int.Parse(Next(), Ic); break;
                case "--native": native = true; break;
                case "--child": _childPath = Path.GetFullPath(Next()); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        Directory.CreateDirectory(outDir);
        if (native && _childPath is null)
        {
            _childPath = PublishNativeChild(Path.Combine(outDir, "native-child"));
        }

        var warmup = EnsureSnapshot(outDir, new GeneratorOptions { Objects = warmupSize, Seed = seed + 1, Indented = indented }, out _);
        var results = new List<SizeResult>();
        foreach (var size in sizes)
        {
            var options = new GeneratorOptions { Objects = size, Seed = seed, Indented = indented };
            var snapshot = EnsureSnapshot(outDir, options, out var genSeconds);
            Console.Error.WriteLine($"[bench] {size:N0} objects: {snapshot.Path} ({snapshot.Bytes / (1024.0 * 1024):F1} MiB)");
            var runs = Variants.ToDictionary(v => v.Label, _ => new List<ChildRun>());
            for (var r = 0; r < repeat; r++)
            {
                foreach (var v in Variants)
                {
                    var run = RunChild(v, snapshot.Path, v.Warm ? warmup.Path : null);
                    runs[v.Label].Add(run);
                    Console.Error.WriteLine(string.Create(Ic,
                        $"[bench]   {v.Label,-10} #{r + 1}: load {run.Result.LoadMs,8:F1} ms  eval {run.Result.EvalMs,8:F1} ms  peak RSS {run.Result.PeakRssMb,7:F1} MiB  wall {run.WallMs,7:F0} ms"));
                }
            }

            results.Add(new SizeResult(size, snapshot, genSeconds, runs));
        }

        var markdown = Render(results, repeat, warmup, indented, seed);
        Console.WriteLine(markdown);
        var stem = Path.Combine(outDir, $"results-{string.Join('-', sizes)}{(_childPath is null ? "" : "-native")}");
        File.WriteAllText(stem + ".md", markdown);
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(
            results.Select(s => new { s.Target, s.Snapshot.Bytes, s.Snapshot.Objects, s.Snapshot.CountsByKind, s.Runs }),
            new JsonSerializerOptions { WriteIndented = true }));
        Console.Error.WriteLine($"[bench] wrote {stem}.md and {stem}.json");
        return 0;
    }

    /// <summary>Returns the cached snapshot for these options, generating it when missing.</summary>
    public static GeneratedSnapshot EnsureSnapshot(string dir, GeneratorOptions options, out double seconds)
    {
        var path = Path.Combine(dir, SnapshotGenerator.FileName(options));
        var countsPath = path + ".counts.json";
        seconds = 0;
        if (File.Exists(path) && File.Exists(countsPath))
        {
            var counts = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(countsPath))!;
            return new GeneratedSnapshot(path, counts.Values.Sum(), new FileInfo(path).Length, counts);
        }

        Console.Error.WriteLine($"[bench] generating {options.Objects:N0}-object snapshot → {path}");
        var sw = Stopwatch.StartNew();
        var generated = SnapshotGenerator.Generate(path, options);
        seconds = sw.Elapsed.TotalSeconds;
        File.WriteAllText(countsPath, JsonSerializer.Serialize(generated.CountsByKind));
        return generated;
    }

    // The native (AOT) measuring child when `--native` or `--child` is given; else this program measures itself.
    private static string? _childPath;

    /// <summary>
    /// Publishes tests/KubeHardenPortal.ScanEngine.Benchmarks.Native as a native binary through scripts/build-cli.sh,
    /// which finds (or installs) clang as it does for the CLI.
    /// </summary>
    private static string PublishNativeChild(string outDir)
    {
        const string project = "tests/KubeHardenPortal.ScanEngine.Benchmarks.Native/KubeHardenPortal.ScanEngine.Benchmarks.Native.csproj";
        if (!File.Exists(project))
        {
            throw new InvalidOperationException($"{project} not found: run the bench from the repository root");
        }

        Console.Error.WriteLine($"[bench] publishing the native measuring child → {outDir}");
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { Path.Combine("scripts", "build-cli.sh"), outDir, project })
        {
            psi.ArgumentList.Add(a);
        }

        using var publish = Process.Start(psi)!;
        var binary = publish.StandardOutput.ReadToEnd().Trim();
        publish.WaitForExit();
        if (publish.ExitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException($"scripts/build-cli.sh {outDir} {project} failed (exit {publish.ExitCode}); its errors are above");
        }

        return Path.GetFullPath(binary);
    }

    private static ChildRun RunChild(Variant v, string file, string? warmup)
    {
        var exe = _childPath ?? Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this program's path");
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(exe), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location); // started as "dotnet X.dll"
        }

        foreach (var a in new[] { "child", "--phase", v.Phase, "--file", file })
        {
            psi.ArgumentList.Add(a);
        }

        if (warmup is not null)
        {
            psi.ArgumentList.Add("--warmup");
            psi.ArgumentList.Add(warmup);
        }

        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"child {v.Label} on {file} did not finish in 10 minutes");
        }

        sw.Stop();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(ChildCommand.ResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"child {v.Label} failed (exit {process.ExitCode}):\n{stdout}\n{stderr.Result}");
        }

        var result = JsonSerializer.Deserialize(line[ChildCommand.ResultPrefix.Length..], ChildResultJson.Default.ChildResult)!;
        return new ChildRun(result, sw.Elapsed.TotalMilliseconds);
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Render(List<SizeResult> results, int repeat, GeneratedSnapshot warmup, bool indented, int seed)
    {
        var sb = new StringBuilder();
        void Line(string s) => sb.AppendLine(s); // InvariantGlobalization: interpolation is culture-invariant
        string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", Ic);

        var checks = CheckCatalog.All.Select(c => c.Definition.Id).ToList();
        Line($"## Scan engine bench{(_childPath is null ? "" : " (native AOT child)")}");
        sb.AppendLine();
        if (_childPath is not null)
        {
            Line($"- measured by the **native (AOT) child** {_childPath}: no JIT, so cold and warm differ only by caches and page faults; " +
                 "the runtime line below is the parent's");
        }

        Line($"- engine {Scanner.EngineVersion}, catalog {CheckCatalog.Version}, {checks.Count} check(s): {string.Join(", ", checks.Take(12))}{(checks.Count > 12 ? ", …" : "")}");
        Line($"- {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, " +
             $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC (concurrent off, gen0 budget ≤ {Gen0MaxBudgetMiB()} MiB as the CLI), Release");
        Line($"- snapshots: seed {seed}, {(indented ? "indented" : "compact")} JSON; every number is the median of {repeat} fresh child process(es)");
        Line($"- **warm** = after 40 warm-up rounds of the same phase on a {warmup.Objects:N0}-object snapshot in the same process (JIT/tiering done); " +
             $"**cold** = first call in a fresh process (JIT included: what a one-shot CLI scan pays). Times are Stopwatch inside the child; " +
             $"\"one-shot wall\" is the whole cold child process, runtime start-up included.");
        Line($"- peak RSS = VmHWM of the child, reset after the warm-up (so it covers the measured phase; the runtime's own ~{MedianOf(results.Select(r => r.Median("parse-warm", x => x.RssBeforePhaseMb))):F0} MiB baseline is included). " +
             $"Managed peak = max of sampled GC heap size / GC.GetTotalMemory(false); retained = live heap after a full GC with the data still referenced.");
        sb.AppendLine();

        Line($"### Snapshots");
        sb.AppendLine();
        Line($"| objects | JSON MiB | bytes/object | pods | workload controllers | namespaces | nodes | RBAC objects | generated in |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var k = r.Snapshot.CountsByKind;
            int K(string kind) => k.GetValueOrDefault(kind);
            Line($"| {r.Snapshot.Objects:N0} | {Mb(r.Snapshot.Bytes)} | {r.Snapshot.Bytes / Math.Max(1, r.Snapshot.Objects):N0} | {K("Pod"):N0} | " +
                 $"{K("Deployment") + K("ReplicaSet") + K("DaemonSet") + K("StatefulSet") + K("Job") + K("CronJob"):N0} | {K("Namespace"):N0} | {K("Node"):N0} | " +
                 $"{K("Role") + K("RoleBinding") + K("ClusterRole") + K("ClusterRoleBinding"):N0} | {(r.GenerateSeconds > 0 ? r.GenerateSeconds.ToString("F1", Ic) + " s" : "cached")} |");
        }

        sb.AppendLine();
        Line($"### Time (ms, median)");
        sb.AppendLine();
        Line($"| objects | JSON MiB | parse cold | parse warm | load cold | load warm | eval cold | eval warm | eval objects/s (warm) | eval / parse (warm) | (load+eval) / parse (warm) | one-shot scan wall (cold) |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var parseWarm = r.Median("parse-warm", x => x.LoadMs);
            var evalWarm = r.Median("eval-warm", x => x.EvalMs);
            var loadWarmInEval = r.Median("eval-warm", x => x.LoadMs);
            Line($"| {r.Snapshot.Objects:N0} | {Mb(r.Snapshot.Bytes)} | {r.Median("parse-cold", x => x.LoadMs):F0} | {parseWarm:F0} | " +
                 $"{r.Median("load-cold", x => x.LoadMs):F0} | {r.Median("load-warm", x => x.LoadMs):F0} | {r.Median("eval-cold", x => x.EvalMs):F1} | {evalWarm:F1} | " +
                 $"{r.Snapshot.Objects / (evalWarm / 1000):N0} | {evalWarm / parseWarm:F2} | {(loadWarmInEval + evalWarm) / parseWarm:F2} | {r.MedianWall("eval-cold"):F0} |");
        }

        sb.AppendLine();
        Line($"### Memory (MiB, median)");
        sb.AppendLine();
        Line($"| objects | JSON MiB | RSS before phase | parse peak RSS | load peak RSS | scan peak RSS (load+eval) | eval-phase peak RSS | scan peak RSS / JSON | managed peak: parse / load / eval | retained after load | allocated: parse / load / eval | GCs gen0/1/2 (scan) |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var scanPeak = r.Median("eval-warm", x => x.PeakRssMb);
            var last = r.Last("eval-warm");
            Line($"| {r.Snapshot.Objects:N0} | {Mb(r.Snapshot.Bytes)} | {r.Median("eval-warm", x => x.RssBeforePhaseMb):F0} | {r.Median("parse-warm", x => x.PeakRssMb):F0} | {r.Median("load-warm", x => x.PeakRssMb):F0} | " +
                 $"{scanPeak:F0} | {r.Median("eval-warm", x => x.PeakRssEvalMb):F0} | {scanPeak / (r.Snapshot.Bytes / (1024.0 * 1024)):F2} | " +
                 $"{r.Median("parse-warm", x => x.LoadPeakHeapMb):F0} / {r.Median("load-warm", x => x.LoadPeakHeapMb):F0} / {r.Median("eval-warm", x => x.EvalPeakHeapMb):F0} | " +
                 $"{r.Median("load-warm", x => x.RetainedMb):F0} | {r.Median("parse-warm", x => x.LoadAllocMb):F0} / {r.Median("load-warm", x => x.LoadAllocMb):F0} / {r.Median("eval-warm", x => x.EvalAllocMb):F1} | " +
                 $"{last.Gen0}/{last.Gen1}/{last.Gen2} |");
        }

        sb.AppendLine();
        Line($"### Engine output (the engine did work)");
        sb.AppendLine();
        Line($"| objects | workloads evaluated | checks | findings | fail findings | score | grade | load errors |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var e = r.Last("eval-warm");
            Line($"| {r.Snapshot.Objects:N0} | {e.Workloads:N0} | {e.Checks} | {e.Findings:N0} | {e.FailFindings:N0} | {(e.Score is { } s ? s.ToString("F1", Ic) : "n/a")} | {e.Grade ?? "n/a"} | {e.LoadErrors} |");
        }

        sb.AppendLine();
        Line($"### Linearity (warm, µs per object)");
        sb.AppendLine();
        foreach (var (label, variant, metric) in new (string, string, Func<ChildResult, double>)[]
                 {
                     ("parse floor", "parse-warm", x => x.LoadMs), ("load", "load-warm", x => x.LoadMs), ("evaluate", "eval-warm", x => x.EvalMs),
                     ("peak RSS (KiB/object, scan)", "eval-warm", x => x.PeakRssMb * 1024 / 1000),
                 })
        {
            var per = results.Select(r => (r.Snapshot.Objects, Value: r.Median(variant, metric) * 1000 / r.Snapshot.Objects)).ToList();
            var text = string.Join(" · ", per.Select(p => string.Create(Ic, $"{p.Objects:N0} → {p.Value:F2}")));
            var spread = per.Count > 1 ? string.Create(Ic, $" (largest/smallest size: ×{per[^1].Value / per[0].Value:F2})") : "";
            Line($"- {label}: {text}{spread}");
        }

        // The bars are stated for 50,000 objects: one block per measured size from there up (else the largest size).
        var barSizes = results.Where(r => r.Snapshot.Objects >= 50_000).ToList();
        foreach (var big in barSizes.Count > 0 ? barSizes : [results.MaxBy(r => r.Snapshot.Objects)!])
        {
            var jsonMb = big.Snapshot.Bytes / (1024.0 * 1024);
            var parseMs = big.Median("parse-warm", x => x.LoadMs);
            var ratio = big.Median("eval-warm", x => x.EvalMs) / parseMs;
            var scanRatio = (big.Median("eval-warm", x => x.LoadMs) + big.Median("eval-warm", x => x.EvalMs)) / parseMs;
            var memRatio = big.Median("eval-warm", x => x.PeakRssMb) / jsonMb;
            var baseline = big.Median("eval-warm", x => x.RssBeforePhaseMb);
            var floorRatio = big.Median("parse-warm", x => x.PeakRssMb) / jsonMb;
            sb.AppendLine();
            Line($"### PRODUCT.md §8 bars at {big.Snapshot.Objects:N0} objects (bars are for 50,000; {big.Snapshot.Bytes / Math.Max(1, big.Snapshot.Objects):N0} bytes/object)");
            sb.AppendLine();
            Line($"- Scanner.Evaluate / parse floor (warm): **{ratio:F2}** (bar ≤ 1.0) → {(ratio <= 1.0 ? "meets" : "misses")} with {checks.Count} check(s)");
            Line($"- whole scan (InputLoader.Load + Evaluate) / parse floor (warm): **{scanRatio:F2}** (if the bar is read as the whole scan) → {(scanRatio <= 1.0 ? "meets" : "misses")}");
            Line($"- scan peak RSS / JSON size: **{memRatio:F2}** (bar ≤ 2.0) → {(memRatio <= 2.0 ? "meets" : "misses")}; " +
                 $"{(big.Median("eval-warm", x => x.PeakRssMb) - baseline) / jsonMb:F2} without the {baseline:F0} MiB the process held before the phase");
            var coldPeak = big.Median("eval-cold", x => x.PeakRssMb);
            Line($"- cold one-shot scan (a fresh process loading and evaluating once, as a CLI run does): peak RSS **{coldPeak:F0} MiB = {coldPeak / jsonMb:F2}×** " +
                 $"the JSON ({(coldPeak - big.Median("eval-cold", x => x.RssStartMb)) / jsonMb:F2}× above the {big.Median("eval-cold", x => x.RssStartMb):F0} MiB the runtime held at start)");
            Line($"- for scale, the parse floor alone peaks at **{floorRatio:F2}×** the JSON size ({(big.Median("parse-warm", x => x.PeakRssMb) - big.Median("parse-warm", x => x.RssBeforePhaseMb)) / jsonMb:F2}× without its baseline)");
        }

        return sb.ToString();
    }

    /// <summary>The gen0 budget cap the runtime applied (GCGen0MaxBudget, from the runtimeconfig), in MiB.</summary>
    private static string Gen0MaxBudgetMiB() =>
        GC.GetConfigurationVariables().TryGetValue("GCGen0MaxBudget", out var v) && v is IConvertible c
            ? (c.ToInt64(System.Globalization.CultureInfo.InvariantCulture) / (1024.0 * 1024)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)
            : "?";
}
