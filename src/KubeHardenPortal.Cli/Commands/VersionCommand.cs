using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Scoring;

namespace KubeHardenPortal.Cli.Commands;

internal static class VersionCommand
{
    public static async Task<int> RunAsync(TextWriter stdout)
    {
        // Which build runs matters for support: the native binary and `dotnet kubeharden.dll` differ in speed and memory.
        // A native binary has no JIT, so it has compiled no method; RuntimeFeature.IsDynamicCodeSupported cannot tell
        // (PublishAot turns it off in the managed build's runtimeconfig too).
        var build = System.Runtime.JitInfo.GetCompiledMethodCount() > 0 ? "managed" : "native";
        await stdout.WriteLineAsync($"kubeharden {Scanner.EngineVersion} (catalog {CheckCatalog.Version}, {CheckCatalog.All.Count} checks, " +
                                    $"score {PostureScoring.FormulaVersion}; {build} build, {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
        return ExitCodes.Clean;
    }
}
