using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

/// <summary>What one child process measured; printed as one JSON line after <see cref="ChildCommand.ResultPrefix"/>.</summary>
public sealed record ChildResult
{
    public string Phase { get; init; } = "";
    public bool Warm { get; init; }
    public long JsonBytes { get; init; }
    public int Objects { get; init; }

    /// <summary>Parse-only (phase parse) or InputLoader.Load (phases load and eval), in ms.</summary>
    public double LoadMs { get; init; }
    public double EvalMs { get; init; }

    public double LoadAllocMb { get; init; }
    public double EvalAllocMb { get; init; }
    public double LoadPeakHeapMb { get; init; }
    public double EvalPeakHeapMb { get; init; }

    /// <summary>Live managed heap after a full GC with the loaded data (and the report) still referenced.</summary>
    public double RetainedMb { get; init; }

    public double RssStartMb { get; init; }
    public double RssBeforePhaseMb { get; init; }

    /// <summary>Peak RSS of the measured phase(s): VmHWM, reset after the warm-up when the kernel allows it.</summary>
    public double PeakRssMb { get; init; }
    public double PeakRssLoadMb { get; init; }
    public double PeakRssEvalMb { get; init; }
    public bool PeakResetWorked { get; init; }

    public int Gen0 { get; init; }
    public int Gen1 { get; init; }
    public int Gen2 { get; init; }

    public int LoadErrors { get; init; }
    public int Workloads { get; init; }
    public int Checks { get; init; }
    public int Findings { get; init; }
    public int FailFindings { get; init; }
    public double? Score { get; init; }
    public string? Grade { get; init; }
    public long Checksum { get; init; }
}

/// <summary>Source-generated, so the native child (tests/KubeHardenPortal.ScanEngine.Benchmarks.Native) can write it.</summary>
[JsonSerializable(typeof(ChildResult))]
internal sealed partial class ChildResultJson : JsonSerializerContext;

/// <summary>
/// Runs one measurement in this (fresh) process: <c>child --phase parse|load|eval --file F [--warmup SMALL]</c>.
/// With --warmup the same code runs 40 times on the small snapshot first, so JIT/tiering is not in the numbers.
/// </summary>
internal static class ChildCommand
{
    public const string ResultPrefix = "KHP-BENCH-RESULT ";

    public static readonly ScanOptions Options = new() { Now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero) };

    public static int Run(string[] args)
    {
        var rssStart = ProcessMemory.RssMb();
        string? phase = null, file = null, warmup = null;
        for (var i = 0; i < args.Length - 1; i += 2)
        {
            switch (args[i])
            {
                case "--phase": phase = args[i + 1]; break;
                case "--file": file = args[i + 1]; break;
                case "--warmup": warmup = args[i + 1]; break;
                default: throw new ArgumentException($"unknown child option {args[i]}");
            }
        }

        if (phase is not ("parse" or "load" or "eval") || file is null)
        {
            Console.Error.WriteLine("usage: child --phase parse|load|eval --file FILE [--warmup SMALL_FILE]");
            return 2;
        }

        if (warmup is not null)
        {
            // Tiered compilation promotes a method to optimised code after 30 calls; methods called once per scan
            // (each check's Evaluate) need 30+ scans. Fewer rounds leave tier-0 code in the "warm" numbers (measured:
            // 3 rounds → eval 890 ms at 50k, fully optimised → 490 ms).
            for (var i = 0; i < WarmupRounds; i++)
            {
                RunOnce(phase, warmup, WarmupLimits(file));
            }

            Thread.Sleep(500); // let the background compiler finish the last promotions
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var result = Measure(phase, file) with { Warm = warmup is not null, RssStartMb = rssStart };
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, ChildResultJson.Default.ChildResult));
        return 0;
    }

    private const int WarmupRounds = 40;

    // KH_BENCH_WHOLE_FILE=1 reads snapshots whole instead of streaming them (to compare the two loaders).
    private static readonly LoadLimits Limits = Environment.GetEnvironmentVariable("KH_BENCH_WHOLE_FILE") == "1"
        ? new LoadLimits { StreamingThresholdBytes = long.MaxValue }
        : LoadLimits.Default;

    /// <summary>
    /// The warm-up snapshot is small, so it would take the whole-file read while a large measured file is streamed:
    /// warm up the path the measurement takes.
    /// </summary>
    private static LoadLimits WarmupLimits(string measured) =>
        new FileInfo(measured).Length >= Limits.StreamingThresholdBytes ? Limits with { StreamingThresholdBytes = 0 } : Limits;

    private static long RunOnce(string phase, string file, LoadLimits limits)
    {
        if (phase == "parse")
        {
            var (doc, sum) = ParseFloor.ReadParseTouch(file);
            doc.Dispose();
            return sum;
        }

        using var loaded = new InputLoader(limits).Load([file]);
        if (phase == "eval")
        {
            return Scanner.Evaluate(loaded.Snapshot, Options).Findings.Count;
        }

        return loaded.Snapshot.Objects.Count;
    }

    private static ChildResult Measure(string phase, string file)
    {
        var jsonBytes = new FileInfo(file).Length;
        var rssBefore = ProcessMemory.RssMb();
        var reset = ProcessMemory.ResetPeak();
        var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

        // Phase 1: parse floor or full load.
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var sampler = new HeapSampler();
        var sw = Stopwatch.StartNew();
        JsonDocument? parsed = null;
        LoadResult? loaded = null;
        long checksum;
        int objects;
        if (phase == "parse")
        {
            (parsed, checksum) = ParseFloor.ReadParseTouch(file);
            objects = parsed.RootElement.GetProperty("objects").GetArrayLength();
        }
        else
        {
            loaded = new InputLoader(Limits).Load([file]);

            objects = loaded.Snapshot.Objects.Count;
            checksum = objects;
        }

        sw.Stop();
        sampler.Stop();
        var loadMs = sw.Elapsed.TotalMilliseconds;
        var loadAlloc = Mb(GC.GetTotalAllocatedBytes(precise: true) - alloc0);
        var loadPeakHeap = sampler.PeakMb;
        var peakRssLoad = ProcessMemory.PeakRssMb();

        // Phase 2: evaluation over the loaded snapshot.
        ScanReport? report = null;
        double evalMs = 0, evalAlloc = 0, evalPeakHeap = 0, peakRssEval = 0;
        if (phase == "eval")
        {
            if (Environment.GetEnvironmentVariable("KH_BENCH_HOLD") == "before")
            {
                // Lets a tracer attach before the evaluation (e.g. an EventPipe allocation-tick session).
                Console.Error.WriteLine($"[hold] pid {Environment.ProcessId}: loaded, press Enter to evaluate");
                Console.ReadLine();
            }

            var resetEval = ProcessMemory.ResetPeak();
            var alloc1 = GC.GetTotalAllocatedBytes(precise: true);
            var evalSampler = new HeapSampler();
            var pause0 = GC.GetTotalPauseDuration();
            var (e0, e1, e2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            sw.Restart();
            report = Scanner.Evaluate(loaded!.Snapshot, Options);
            sw.Stop();
            evalSampler.Stop();
            evalMs = sw.Elapsed.TotalMilliseconds;
            evalAlloc = Mb(GC.GetTotalAllocatedBytes(precise: true) - alloc1);
            evalPeakHeap = evalSampler.PeakMb;
            if (Environment.GetEnvironmentVariable("KH_BENCH_HOLD") is "1" or "before" or "nogc")
            {
                // Lets a heap tool see what an evaluation keeps (garbage collected first unless "nogc"); the report stays referenced.
                if (Environment.GetEnvironmentVariable("KH_BENCH_HOLD") != "nogc")
                {
                    GC.Collect();
                }

                Console.Error.WriteLine($"[hold] pid {Environment.ProcessId}: evaluation done, press Enter to continue");
                Console.ReadLine();
                GC.KeepAlive(report);
            }

            if (Environment.GetEnvironmentVariable("KH_BENCH_PROFILE") == "1")
            {
                Console.Error.WriteLine($"[profile] measured evaluation {evalMs:F0} ms, of which GC pauses {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms " +
                                        $"(GCs gen0/1/2 {GC.CollectionCount(0) - e0}/{GC.CollectionCount(1) - e1}/{GC.CollectionCount(2) - e2})");
                var gcInfo = GC.GetGCMemoryInfo(GCKind.Ephemeral);
                Console.Error.WriteLine($"[profile] last ephemeral GC: gen{gcInfo.Generation}, pause {gcInfo.PauseDurations[0].TotalMilliseconds:F0} ms, " +
                                        $"promoted {gcInfo.PromotedBytes / 1048576.0:F1} MiB, heap {gcInfo.HeapSizeBytes / 1048576.0:F0} MiB, compacted {gcInfo.Compacted}");
                foreach (var (id, t) in report.CheckTimings.OrderByDescending(t => t.Elapsed).Take(8))
                {
                    Console.Error.WriteLine($"[profile] parallel wall {id} {t.TotalMilliseconds:F0} ms");
                }

                var ctx = new ScanContext(loaded!.Snapshot, Options);
                var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                _ = ctx.Workloads;
                var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
                _ = ctx.Namespaces;
                var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
                _ = ctx.NetworkPolicies;
                var t3 = System.Diagnostics.Stopwatch.GetTimestamp();
                _ = ctx.Rbac;
                var t4 = System.Diagnostics.Stopwatch.GetTimestamp();
                Console.Error.WriteLine($"[profile] context: workloads {System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds:F0} ms, " +
                                        $"namespaces {System.Diagnostics.Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds:F0} ms, " +
                                        $"network engine {System.Diagnostics.Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds:F0} ms, " +
                                        $"rbac engine {System.Diagnostics.Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds:F0} ms");
                using var sampler2 = new AllocationSampler { Enabled = true };
                var serial = Scanner.Evaluate(loaded!.Snapshot, Options with { MaxDegreeOfParallelism = 1 });
                sampler2.Enabled = false;
                foreach (var (type, b) in sampler2.Top(25))
                {
                    Console.Error.WriteLine($"[profile] type {type} {b / 1048576.0:F1} MiB");
                }

                Console.Error.WriteLine($"[profile] serial total {serial.CheckTimings.Sum(t => t.Elapsed.TotalMilliseconds):F0} ms");
                var bytes = serial.CheckAllocations.ToDictionary(a => a.CheckId, a => a.Bytes);
                Console.Error.WriteLine($"[profile] serial allocations {bytes.Values.Sum() / 1048576.0:F0} MiB");
                foreach (var (id, t) in serial.CheckTimings.OrderByDescending(t => t.Elapsed).Take(20))
                {
                    Console.Error.WriteLine($"[profile] {id} {t.TotalMilliseconds:F0} ms, {bytes[id] / 1048576.0:F1} MiB");
                }

                foreach (var g in serial.Findings.GroupBy(f => f.CheckId).OrderByDescending(g => g.Count()).Take(10))
                {
                    Console.Error.WriteLine($"[profile] findings {g.Key} {g.Count()}");
                }

                foreach (var (id, b) in serial.CheckAllocations.OrderByDescending(a => a.Bytes).Take(6))
                {
                    using var one = new AllocationSampler { Enabled = true };
                    _ = Scanner.Evaluate(loaded!.Snapshot, Options with { MaxDegreeOfParallelism = 1, OnlyChecks = new HashSet<string>([id]) });
                    one.Enabled = false;
                    Console.Error.WriteLine($"[profile] {id}: " + string.Join(", ", one.Top(6).Select(t => $"{t.Type} {t.Bytes / 1048576.0:F1}")));
                }

                foreach (var (id, b) in serial.CheckAllocations.OrderByDescending(a => a.Bytes).Take(10))
                {
                    Console.Error.WriteLine($"[profile] alloc {id} {b / 1048576.0:F1} MiB");
                }
            }
            peakRssEval = resetEval ? ProcessMemory.PeakRssMb() : 0;
        }

        var peakRss = Math.Max(peakRssLoad, ProcessMemory.PeakRssMb());
        var gcs = (GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
        var retained = Mb(GC.GetTotalMemory(forceFullCollection: true));
        GC.KeepAlive(parsed);
        GC.KeepAlive(loaded);

        var result = new ChildResult
        {
            Phase = phase,
            JsonBytes = jsonBytes,
            Objects = objects,
            LoadMs = loadMs,
            EvalMs = evalMs,
            LoadAllocMb = loadAlloc,
            EvalAllocMb = evalAlloc,
            LoadPeakHeapMb = loadPeakHeap,
            EvalPeakHeapMb = evalPeakHeap,
            RetainedMb = retained,
            RssBeforePhaseMb = rssBefore,
            PeakRssMb = peakRss,
            PeakRssLoadMb = peakRssLoad,
            PeakRssEvalMb = peakRssEval,
            PeakResetWorked = reset,
            Gen0 = gcs.Item1,
            Gen1 = gcs.Item2,
            Gen2 = gcs.Item3,
            LoadErrors = loaded?.Errors.Count ?? 0,
            Workloads = report?.WorkloadCount ?? 0,
            Checks = report?.Checks.Count ?? 0,
            Findings = report?.Findings.Count ?? 0,
            FailFindings = report?.Findings.Count(f => f.Status == ResultStatus.Fail) ?? 0,
            Score = report?.Score.Score,
            Grade = report?.Score.Grade,
            Checksum = checksum,
        };
        parsed?.Dispose();
        loaded?.Dispose();
        return result;
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024);
}
