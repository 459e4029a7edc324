using System.Reflection;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks;

/// <summary>Every check in the engine, discovered once and sorted by id. The catalog page, CLI and SARIF read it.</summary>
public static class CheckCatalog
{
    /// <summary>Bumped whenever a check is added, removed or changes meaning.</summary>
    public const string Version = "2026.11.1";

    private static readonly Lazy<IReadOnlyList<Check>> LazyAll = new(Discover);

    public static IReadOnlyList<Check> All => LazyAll.Value;

    public static IReadOnlyList<CheckDefinition> Definitions => All.Select(c => c.Definition).ToList();

    public static Check? Find(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Definition.Id, id, StringComparison.OrdinalIgnoreCase));

    private static IReadOnlyList<Check> Discover() =>
        typeof(Check).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(Check).IsAssignableFrom(t))
            .Select(t => (Check)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(c => c.Definition.Id, StringComparer.Ordinal)
            .ToList();
}
