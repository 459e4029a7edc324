using System.Text.RegularExpressions;

namespace KubeHardenPortal.Architecture.Tests;

/// <summary>Rules that only the source shows (STYLE.md §2.7, §2.5, §0.5), checked by scanning the tree.</summary>
public sealed partial class SourceRulesTests
{
    private static readonly string Root = DependencyRulesTests.FindRepo();

    // The tenant filter may be bypassed only where cross-tenant work is the point: the scheduler's due-work query,
    // the reviewed helpers in Data/Tenancy, and tests. Everything else goes through the filter.
    private static readonly string[] IgnoreQueryFiltersAllowed =
    [
        "src/KubeHardenPortal.Worker/Features/Scheduling/",
        "src/KubeHardenPortal.Data/Tenancy/",
        "tests/",
    ];

    [Fact]
    public void IgnoreQueryFilters_AppearsOnlyInAllowedPlaces()
    {
        var offenders = Scan(["src", "migrations"], [".cs", ".razor"], IgnoreQueryFiltersCall())
            .Where(hit => !IgnoreQueryFiltersAllowed.Any(a => hit.Path.StartsWith(a, StringComparison.Ordinal)))
            .ToList();
        Assert.True(offenders.Count == 0, "IgnoreQueryFilters outside the allow-list:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void IgnoreQueryFilters_Scan_FindsTheKnownUses()
    {
        // Guards the scan itself: the reviewed helper and the tests do use it.
        var hits = Scan(["src", "tests"], [".cs"], IgnoreQueryFiltersCall());
        Assert.Contains(hits, h => h.Path.StartsWith("src/KubeHardenPortal.Data/Tenancy/", StringComparison.Ordinal));
        Assert.Contains(hits, h => h.Path.StartsWith("tests/KubeHardenPortal.Data.Tests/", StringComparison.Ordinal));
    }

    [Fact]
    public void WebAndWorker_NeverMigrateTheDatabase()
    {
        // Migrations are a separate step (the migrate service, migrations/README.md); hosts start against a ready schema.
        var offenders = Scan(["src/KubeHardenPortal.Web", "src/KubeHardenPortal.Worker"], [".cs", ".razor"], MigrateCall());
        Assert.True(offenders.Count == 0, "hosts must not migrate:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void InteractiveComponents_DoNotUseIHttpContextAccessor()
    {
        var offenders = Scan(["src"], [".razor"], HttpContextAccessor());
        Assert.True(offenders.Count == 0, "IHttpContextAccessor in components:\n" + string.Join("\n", offenders));
    }

    private sealed record Hit(string Path, int Line, string Text)
    {
        public override string ToString() => $"{Path}:{Line}: {Text}";
    }

    private static List<Hit> Scan(string[] folders, string[] extensions, Regex pattern)
    {
        var hits = new List<Hit>();
        foreach (var folder in folders.Select(f => Path.Combine(Root, f)).Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(Root, file).Replace('\\', '/');
                if (!extensions.Contains(Path.GetExtension(file)) || relative.Contains("/bin/", StringComparison.Ordinal)
                    || relative.Contains("/obj/", StringComparison.Ordinal))
                {
                    continue;
                }

                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].TrimStart();
                    if (!line.StartsWith("//", StringComparison.Ordinal) && !line.StartsWith('*') && pattern.IsMatch(line))
                    {
                        hits.Add(new Hit(relative, i + 1, line));
                    }
                }
            }
        }

        return hits;
    }

    [GeneratedRegex(@"\.IgnoreQueryFilters\s*\(")]
    private static partial Regex IgnoreQueryFiltersCall();

    [GeneratedRegex(@"\.(Migrate|MigrateAsync|EnsureCreated|EnsureCreatedAsync)\s*\(")]
    private static partial Regex MigrateCall();

    [GeneratedRegex(@"\bIHttpContextAccessor\b")]
    private static partial Regex HttpContextAccessor();
}
