using System.Reflection;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Scoring;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>The immutable result of one evaluation.</summary>
public sealed record ScanReport(
    string EngineVersion,
    string CatalogVersion,
    ClusterInfo Cluster,
    SnapshotMode Mode,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<CheckSummary> Checks,
    PostureScore Score,
    IReadOnlyList<CoverageEntry> Coverage,
    int ObjectCount,
    int WorkloadCount)
{
    /// <summary>Wall time of each check (parallel, so they overlap); for profiling, never part of a report.</summary>
    public IReadOnlyList<(string CheckId, TimeSpan Elapsed)> CheckTimings { get; init; } = [];

    /// <summary>Bytes each check allocated (a check runs on one thread); for profiling, never part of a report.</summary>
    public IReadOnlyList<(string CheckId, long Bytes)> CheckAllocations { get; init; } = [];

    /// <summary>Informational notes (CATALOG.md "advisory"); never findings, never scored, never gate --fail-on.</summary>
    public IReadOnlyList<Advisory> Advisories { get; init; } = [];

    public int Count(ResultStatus status) => status switch
    {
        ResultStatus.Pass => Checks.Sum(c => c.Pass),
        ResultStatus.Fail => Checks.Sum(c => c.Fail),
        ResultStatus.NotApplicable => Checks.Sum(c => c.NotApplicable),
        ResultStatus.Excluded => Checks.Sum(c => c.Excluded),
        ResultStatus.Unknown => Checks.Sum(c => c.Unknown),
        ResultStatus.Manual => Checks.Sum(c => c.Manual),
        _ => Checks.Sum(c => c.Excepted),
    };
}

/// <summary>Runs the catalog over a snapshot: snapshot in, immutable report out. Pure: no I/O.</summary>
public static class Scanner
{
    public static string EngineVersion { get; } =
        typeof(Scanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    // How long each check took in this process's previous scan: only the order in which checks start depends on it,
    // never a result (each check writes its own slot).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> LastElapsed = new(StringComparer.Ordinal);

    public static ScanReport Evaluate(ClusterSnapshot snapshot, ScanOptions options, IReadOnlyList<Check>? checks = null,
        CancellationToken cancellationToken = default)
    {
        checks ??= CheckCatalog.All;
        if (options.OnlyChecks is { } only)
        {
            checks = checks.Where(c => only.Contains(c.Definition.Id)).ToList();
        }

        var context = new ScanContext(snapshot, options);
        var results = new CheckResults[checks.Count];
        var elapsed = new long[checks.Count];
        var allocated = new long[checks.Count];
        var parallel = new ParallelOptions
        {
            CancellationToken = cancellationToken,
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount,
        };

        // Build the shared indexes first, side by side: checks that reach a lazy index another thread is building
        // wait on it instead of working. The RBAC engine reads no workload index, so the two builds overlap.
        Parallel.Invoke(parallel,
            () =>
            {
                _ = context.Workloads;
                _ = context.Namespaces;
            },
            () =>
            {
                if (checks.Any(c => c.Definition.Target == CheckTarget.Rbac))
                {
                    _ = context.Rbac;
                }
            });

        // Longest first, each worker taking the next check as it frees up: the wall time is then close to the total
        // divided by the cores, where a fixed split can leave the slowest check to start last on a busy worker.
        var order = Enumerable.Range(0, checks.Count)
            .OrderByDescending(i => LastElapsed.GetValueOrDefault(checks[i].Definition.Id))
            .ToArray();
        var next = -1;
        Parallel.For(0, Math.Min(parallel.MaxDegreeOfParallelism, order.Length), parallel, (_, _) =>
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < order.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = order[k];
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var r = new CheckResults(checks[i].Definition, context);
                checks[i].Evaluate(context, r);
                r.Complete();
                results[i] = r;
                elapsed[i] = System.Diagnostics.Stopwatch.GetTimestamp() - started;
                allocated[i] = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            }
        });

        for (var i = 0; i < checks.Count; i++)
        {
            LastElapsed[checks[i].Definition.Id] = elapsed[i];
        }

        var summaries = results.Select(r => r.Summary()).ToList();
        var findings = new FindingList(results.Select(r => r.Findings));
        var advisories = results.SelectMany(r => r.Advisories).ToList();
        var manualAsUnknown = snapshot.Mode == SnapshotMode.Manifests;
        var score = PostureScoring.Compute(summaries, manualAsUnknown);
        return new ScanReport(EngineVersion, CheckCatalog.Version, snapshot.Cluster, snapshot.Mode, findings, summaries, score,
            snapshot.Coverage.ToList(), snapshot.Objects.Count, context.Workloads.Count)
        {
            Advisories = advisories,
            CheckTimings = checks.Select((c, i) => (c.Definition.Id, System.Diagnostics.Stopwatch.GetElapsedTime(0, elapsed[i]))).ToList(),
            CheckAllocations = checks.Select((c, i) => (c.Definition.Id, allocated[i])).ToList(),
        };
    }
}
