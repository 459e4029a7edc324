using System.Xml.Linq;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Data;
using KubeHardenPortal.Worker.Hosting;

namespace KubeHardenPortal.Architecture.Tests;

/// <summary>
/// STYLE.md §2.2: which project may reference which, read from the project files (the transitive closure of project
/// references, so a project not built yet — or added later, like Web or ClusterAccess — is covered as soon as it
/// exists) and from the compiled assemblies' references.
/// </summary>
public sealed class ProjectRulesTests
{
    private static readonly string Root = DependencyRulesTests.FindRepo();

    [Fact]
    public void Web_NeverReachesClusterAccessOrTheWorker()
    {
        // The web tier never holds decrypted cluster credentials: no path to ClusterAccess, even through another project.
        var web = Project("src/KubeHardenPortal.Web/KubeHardenPortal.Web.csproj");
        if (!File.Exists(web))
        {
            return; // not on this branch yet; the rule applies from the moment the project exists
        }

        var closure = ProjectClosure(web);
        Assert.DoesNotContain(closure, p => p.EndsWith("KubeHardenPortal.ClusterAccess.csproj", StringComparison.Ordinal));
        Assert.DoesNotContain(closure, p => p.EndsWith("KubeHardenPortal.Worker.csproj", StringComparison.Ordinal));
        Assert.DoesNotContain(PackageReferences(web), p => p.StartsWith("KubernetesClient", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("src/KubeHardenPortal.Data/KubeHardenPortal.Data.csproj", new[] { "Web", "Worker", "ClusterAccess", "Cli", "Migrations" })]
    [InlineData("src/KubeHardenPortal.Contracts/KubeHardenPortal.Contracts.csproj", new[] { "Web", "Worker", "ClusterAccess", "Cli", "Migrations", "Data" })]
    [InlineData("src/KubeHardenPortal.Worker/KubeHardenPortal.Worker.csproj", new[] { "Web", "Migrations", "Cli" })]
    [InlineData("migrations/KubeHardenPortal.Migrations/KubeHardenPortal.Migrations.csproj", new[] { "Web", "Worker", "ClusterAccess", "Cli" })]
    [InlineData("src/KubeHardenPortal.ScanEngine/KubeHardenPortal.ScanEngine.csproj", new[] { "Web", "Worker", "ClusterAccess", "Cli", "Migrations", "Data", "Contracts" })]
    public void Project_DoesNotReach(string project, string[] forbidden)
    {
        var closure = ProjectClosure(Project(project)).Select(p => Path.GetFileNameWithoutExtension(p)).ToList();
        var offending = closure.Where(p => forbidden.Any(f => p == "KubeHardenPortal." + f)).ToList();
        Assert.True(offending.Count == 0, $"{project} reaches {string.Join(", ", offending)}");
    }

    [Fact]
    public void Data_ReferencesNoHangfireNoAspNetCoreHostingAndNoClusterAccess()
    {
        var references = typeof(PortalDbContext).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        string[] forbidden =
        [
            "Hangfire", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Mvc",
            "Microsoft.AspNetCore.Components", "Microsoft.AspNetCore.Server", "Microsoft.Extensions.Hosting",
            "KubeHardenPortal.ClusterAccess", "KubernetesClient", "MudBlazor",
        ];
        var offending = references.Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.True(offending.Count == 0, "Data references: " + string.Join(", ", offending));

        var csproj = Project("src/KubeHardenPortal.Data/KubeHardenPortal.Data.csproj");
        Assert.DoesNotContain(PackageReferences(csproj), p => p.StartsWith("Hangfire", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Microsoft.AspNetCore.App", File.ReadAllText(csproj), StringComparison.Ordinal);
    }

    [Fact]
    public void Contracts_ReferenceOnlyTheBclAndTheEngine()
    {
        var references = typeof(IEmailJob).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var offending = references.Where(r => !(r.StartsWith("System", StringComparison.Ordinal) || r == "netstandard"
            || r == "KubeHardenPortal.ScanEngine")).ToList();
        Assert.True(offending.Count == 0, "Contracts references: " + string.Join(", ", offending));
        Assert.Empty(PackageReferences(Project("src/KubeHardenPortal.Contracts/KubeHardenPortal.Contracts.csproj")));
    }

    [Fact]
    public void Contracts_JobMethodsTakeACancellationToken_AndTenantScopedOnesTakeTheTenantFirst()
    {
        var jobs = typeof(IEmailJob).Assembly.GetExportedTypes().Where(t => t.IsInterface && t.Name.EndsWith("Job", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(jobs);
        foreach (var method in jobs.SelectMany(j => j.GetMethods()))
        {
            var parameters = method.GetParameters();
            Assert.True(parameters[^1].ParameterType == typeof(CancellationToken), $"{method.DeclaringType!.Name}.{method.Name}: last parameter must be a CancellationToken");
            Assert.True(typeof(Task).IsAssignableFrom(method.ReturnType), $"{method.Name} must be async");
            var tenant = Array.FindIndex(parameters, p => p.Name == "tenantId");
            Assert.True(tenant is -1 or 0, $"{method.DeclaringType!.Name}.{method.Name}: tenantId must be the first argument");
            // Ids and small values only: entities and open-ended objects do not belong in job storage.
            foreach (var p in parameters)
            {
                var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
                Assert.True(t.IsPrimitive || t.IsEnum || t == typeof(Guid) || t == typeof(string) || t == typeof(CancellationToken)
                    || t == typeof(DateTimeOffset), $"{method.Name}({p.Name}): {t.Name} is not a small value");
            }
        }
    }

    [Fact]
    public void Worker_ReferencesNoUiAndNoWeb()
    {
        var references = typeof(WorkerHost).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("MudBlazor", StringComparison.Ordinal)
            || r.StartsWith("Microsoft.AspNetCore.Components", StringComparison.Ordinal)
            || r.StartsWith("Microsoft.AspNetCore.Razor", StringComparison.Ordinal)
            || r == "KubeHardenPortal.Web");
    }

    internal static string Project(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    internal static IReadOnlyList<string> PackageReferences(string csproj) =>
        XDocument.Load(csproj).Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "").ToList();

    /// <summary>Every project reachable through ProjectReference, as full paths.</summary>
    internal static HashSet<string> ProjectClosure(string csproj)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>([csproj]);
        while (todo.Count > 0)
        {
            var current = todo.Pop();
            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                var include = ((string?)reference.Attribute("Include") ?? "").Replace('\\', '/');
                var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include));
                if (seen.Add(full) && File.Exists(full))
                {
                    todo.Push(full);
                }
            }
        }

        return seen;
    }
}
