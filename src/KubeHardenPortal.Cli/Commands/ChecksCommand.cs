using System.Text.Json;
using KubeHardenPortal.Cli.Output;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Reporting;

namespace KubeHardenPortal.Cli.Commands;

/// <summary>`kubeharden checks`: the catalog, generated from the check definitions.</summary>
internal static class ChecksCommand
{
    private static readonly HashSet<string> Values = ["--format"];
    private static readonly HashSet<string> Flags = ["--no-color"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var a = new ArgReader(args, Values, Flags);
        if (a.Positional.Count > 0)
        {
            throw new UsageException($"checks takes no arguments (got \"{a.Positional[0]}\")");
        }

        var format = a.Choice("--format", "table", "table", "json");
        var definitions = CheckCatalog.Definitions;
        if (format == "json")
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                CatalogJsonWriter.Write(w, definitions, ManualControlsSource.All);
            }

            await stdout.WriteLineAsync(System.Text.Encoding.UTF8.GetString(ms.ToArray()).AsMemory(), cancellationToken);
            return ExitCodes.Clean;
        }

        var color = Terminal.UseColor(stdout, a.Flag("--no-color"));
        foreach (var section in GuideSections.All)
        {
            var inSection = definitions.Where(d => d.Section == section).ToList();
            if (inSection.Count == 0)
            {
                continue;
            }

            await stdout.WriteLineAsync(Terminal.Bold(section, color));
            foreach (var d in inSection)
            {
                await stdout.WriteLineAsync($"  {d.Id,-12} {Terminal.Severity(d.Severity, color)}  {d.Title}");
            }

            await stdout.WriteLineAsync();
        }

        await stdout.WriteLineAsync($"{definitions.Count} automated checks, {ManualControlsSource.All.Count} manual controls (catalog {CheckCatalog.Version})");
        return ExitCodes.Clean;
    }
}
