using System.Reflection;
using System.Text.RegularExpressions;
using KubeHardenPortal.ScanEngine.Evaluation;

namespace KubeHardenPortal.Architecture.Tests;

/// <summary>PRODUCT.md §3 dependency rules, read from the compiled assemblies and from the source tree.</summary>
public sealed partial class DependencyRulesTests
{
    private static readonly string[] ForbiddenForEngine =
    [
        "Microsoft.EntityFrameworkCore", "Npgsql", "Microsoft.AspNetCore", "Hangfire", "System.Net.Http",
        "KubernetesClient", "Microsoft.Extensions.Http",
    ];

    [Fact]
    public void ScanEngine_ReferencesNoEfCoreAspNetCoreHangfireOrHttpClient()
    {
        var engine = typeof(Scanner).Assembly;
        var references = engine.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var offending = references.Where(r => ForbiddenForEngine.Any(f => r.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.True(offending.Count == 0, "ScanEngine references: " + string.Join(", ", offending));
    }

    [Fact]
    public void ScanEngine_DependencyGraph_HasNoForbiddenPackages()
    {
        // The engine's own restore graph lists every package it pulls in transitively (this test project references
        // Data and Worker too, so its deps.json would prove nothing).
        var assets = Path.Combine(FindRepo(), "src", "KubeHardenPortal.ScanEngine", "obj", "project.assets.json");
        Assert.True(File.Exists(assets), assets);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(assets));
        var packages = json.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToList();
        Assert.NotEmpty(packages);
        foreach (var forbidden in new[] { "Microsoft.EntityFrameworkCore", "Hangfire", "Npgsql", "Microsoft.AspNetCore", "KubernetesClient" })
        {
            Assert.DoesNotContain(packages, p => p.StartsWith(forbidden, StringComparison.OrdinalIgnoreCase));
        }
    }

    [GeneratedRegex(@"\b(File|Directory|FileStream|HttpClient|Socket|Process|Console|Environment)\s*\.", RegexOptions.Compiled)]
    private static partial Regex IoCall();

    [Fact]
    public void EvaluationChecksAndScoring_DoNoIo()
    {
        var root = FindRepo();
        var engine = Path.Combine(root, "src", "KubeHardenPortal.ScanEngine");
        var offenders = new List<string>();
        foreach (var folder in new[] { "Checks", "Evaluation", "Scoring", "Model" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(engine, folder), "*.cs", SearchOption.AllDirectories))
            {
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].TrimStart();
                    if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith("///", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (IoCall().IsMatch(line) && !line.Contains("Environment.ProcessorCount", StringComparison.Ordinal))
                    {
                        offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {line}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "I/O in the pure engine:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Cli_IsTheOnlyHostOfTheEngineSoFar_AndReferencesNoDataLayer()
    {
        var cli = Assembly.Load("kubeharden");
        var references = cli.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("KubeHardenPortal.ScanEngine", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    internal static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeHardenPortal.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
