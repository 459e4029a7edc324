using KubeHardenPortal.ScanEngine.Benchmarks.Generator;
using KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Micro;

/// <summary>
/// Where BenchmarkDotNet classes find their snapshots: $KHP_BENCH_OUT, else bench-out/ at the repository root
/// (found by walking up to KubeHardenPortal.sln; BenchmarkDotNet runs benchmarks from a generated folder), else
/// the temp folder. Files are shared with the bench command's cache.
/// </summary>
public static class BenchFiles
{
    public static string Directory { get; } = Resolve();

    public static string Ensure(int objects) =>
        BenchCommand.EnsureSnapshot(Directory, new GeneratorOptions { Objects = objects }, out _).Path;

    private static string Resolve()
    {
        if (Environment.GetEnvironmentVariable("KHP_BENCH_OUT") is { Length: > 0 } env)
        {
            return env;
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "KubeHardenPortal.sln")))
                {
                    return Path.Combine(dir.FullName, "bench-out");
                }
            }
        }

        return Path.Combine(Path.GetTempPath(), "khp-bench-out");
    }
}
