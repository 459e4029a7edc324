using BenchmarkDotNet.Attributes;
using KubeHardenPortal.ScanEngine.Benchmarks.Measurement;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Micro;

/// <summary>Evaluation over an already loaded snapshot (all checks), and its shared workload index alone.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class EvaluateBenchmarks
{
    private LoadResult? _loaded;

    [Params(5_000, 20_000)]
    public int Objects { get; set; }

    [GlobalSetup]
    public void Setup() => _loaded = new InputLoader().Load([BenchFiles.Ensure(Objects)]);

    [GlobalCleanup]
    public void Cleanup() => _loaded?.Dispose();

    [Benchmark(Baseline = true, Description = "Scanner.Evaluate (all checks)")]
    public int Evaluate() => Scanner.Evaluate(_loaded!.Snapshot, ChildCommand.Options).Findings.Count;

    [Benchmark(Description = "WorkloadExtractor.Extract")]
    public int ExtractWorkloads() => WorkloadExtractor.Extract(_loaded!.Snapshot.Objects).Count;
}
