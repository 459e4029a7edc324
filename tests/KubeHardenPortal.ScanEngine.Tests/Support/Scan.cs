using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Support;

/// <summary>Small helpers to scan YAML text or files in tests.</summary>
internal static class Scan
{
    public static ScanReport Yaml(string yaml, string? only = null, ScanOptions? options = null)
    {
        using var load = new InputLoader().LoadText("test.yaml", yaml);
        Assert.Empty(load.Errors);
        return Run(load.Snapshot, only, options);
    }

    public static ScanReport Files(IEnumerable<string> files, string? only = null, ScanOptions? options = null)
    {
        using var load = new InputLoader().Load(files);
        Assert.True(load.Errors.Count == 0, string.Join("\n", load.Errors));
        return Run(load.Snapshot, only, options);
    }

    public static ScanReport Run(ClusterSnapshot snapshot, string? only, ScanOptions? options)
    {
        options ??= new ScanOptions { Now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero) };
        if (only is not null)
        {
            options = options with { OnlyChecks = new HashSet<string> { only } };
        }

        return Scanner.Evaluate(snapshot, options);
    }

    public static IEnumerable<Finding> Failures(this ScanReport report, string checkId) =>
        report.Findings.Where(f => f.CheckId == checkId && f.Status == ResultStatus.Fail);
}
