using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.Cli.Commands;

/// <summary>The manual (attestation) controls of CATALOG.md §9, as the engine lists them.</summary>
internal static class ManualControlsSource
{
    public static IReadOnlyList<ManualControl> All => ManualControls.All;
}
