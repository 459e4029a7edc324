using System.Text.RegularExpressions;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks;

/// <summary>Invariants of the whole catalog (STYLE.md §2.6), so a check cannot ship half-described.</summary>
public sealed partial class CatalogTests
{
    [GeneratedRegex(@"^KH-(POD|NET|AUTH|LOG|UPG|IMG)-\d{3}$")]
    private static partial Regex IdPattern();

    [Fact]
    public void Ids_AreUniqueAndWellFormed()
    {
        var ids = CheckCatalog.All.Select(c => c.Definition.Id).ToList();
        Assert.All(ids, id => Assert.Matches(IdPattern(), id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void EveryCheckClass_IsRegisteredOnce()
    {
        // The catalog lists its checks by hand (the native CLI cannot discover them by reflection); a check class
        // written but not listed would silently never run.
        var classes = typeof(Check).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(Check).IsAssignableFrom(t))
            .Select(t => t.FullName!)
            .Order(StringComparer.Ordinal)
            .ToList();
        var registered = CheckCatalog.All.Select(c => c.GetType().FullName!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(classes, registered);
        Assert.Equal(60, registered.Count);
    }

    [Fact]
    public void EveryShippedId_IsStillInTheCatalog()
    {
        var lockFile = Path.Combine(Repo.ChecksDir, "catalog.lock.txt");
        var shipped = File.ReadAllLines(lockFile).Where(l => l.StartsWith("KH-", StringComparison.Ordinal)).ToList();
        var current = CheckCatalog.All.Select(c => c.Definition.Id).ToHashSet();
        Assert.All(shipped, id => Assert.Contains(id, current));
        Assert.All(current, id => Assert.Contains(id, shipped));
    }

    [Fact]
    public void EveryCheck_HasCompleteMetadata()
    {
        Assert.All(CheckCatalog.All, c =>
        {
            var d = c.Definition;
            Assert.False(string.IsNullOrWhiteSpace(d.Title), d.Id);
            Assert.False(string.IsNullOrWhiteSpace(d.Rationale), d.Id);
            Assert.False(string.IsNullOrWhiteSpace(d.Remediation), d.Id);
            Assert.False(string.IsNullOrWhiteSpace(d.FixYaml), d.Id);
            Assert.False(string.IsNullOrWhiteSpace(d.GuideReference), d.Id);
            Assert.Contains(d.Section, KubeHardenPortal.ScanEngine.Model.GuideSections.All);
            Assert.NotNull(d.References);
        });
    }

    [Fact]
    public void EveryCheck_LivesInAFolderNamedAfterItsClass_WithPassAndFailFixtures()
    {
        Assert.All(CheckCatalog.All, c =>
        {
            var folder = Repo.CheckFolder(c.GetType());
            Assert.True(folder is not null, $"{c.Definition.Id}: no {c.GetType().Name}.cs under Checks/");
            Assert.Equal(c.GetType().Name, Path.GetFileName(folder));
            var fixtures = Directory.Exists(Path.Combine(folder!, "fixtures"))
                ? Directory.GetFiles(Path.Combine(folder!, "fixtures")).Select(Path.GetFileName).ToList()
                : [];
            Assert.True(fixtures.Any(f => f!.StartsWith("pass.", StringComparison.Ordinal)), $"{c.Definition.Id} has no pass fixture");
            Assert.True(fixtures.Any(f => f!.StartsWith("fail.", StringComparison.Ordinal)), $"{c.Definition.Id} has no fail fixture");
        });
    }
}
