using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Scoring;

namespace KubeHardenPortal.Cli.Commands;

internal static class VersionCommand
{
    public static async Task<int> RunAsync(TextWriter stdout)
    {
        await stdout.WriteLineAsync($"kubeharden {Scanner.EngineVersion} (catalog {CheckCatalog.Version}, {CheckCatalog.All.Count} checks, score {PostureScoring.FormulaVersion})");
        return ExitCodes.Clean;
    }
}
