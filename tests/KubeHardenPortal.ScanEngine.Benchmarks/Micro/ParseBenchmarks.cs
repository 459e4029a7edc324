using BenchmarkDotNet.Attributes;
using KubeHardenPortal.ScanEngine.Benchmarks.Measurement;
using KubeHardenPortal.ScanEngine.Loading;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Micro;

/// <summary>The parse floor against the engine's full load (parse + object index + line numbers).</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ParseBenchmarks
{
    private string _path = "";

    [Params(5_000, 20_000)]
    public int Objects { get; set; }

    [GlobalSetup]
    public void Setup() => _path = BenchFiles.Ensure(Objects);

    [Benchmark(Baseline = true, Description = "read + JsonDocument.Parse + touch")]
    public long ParseFloorOnly()
    {
        var (doc, checksum) = ParseFloor.ReadParseTouch(_path);
        doc.Dispose();
        return checksum;
    }

    [Benchmark(Description = "InputLoader.Load")]
    public int Load()
    {
        using var result = new InputLoader().Load([_path]);
        return result.Snapshot.Objects.Count;
    }
}
