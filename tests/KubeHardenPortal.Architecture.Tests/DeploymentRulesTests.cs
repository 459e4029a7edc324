using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeHardenPortal.Architecture.Tests;

/// <summary>
/// docker-compose.yml and the Dockerfiles keep the deployment rules (STYLE.md §2.5): a one-shot migrate step that the
/// hosts wait for, least-privilege connections, non-root images. There is no Docker engine in CI, so these are read.
/// </summary>
public sealed class DeploymentRulesTests
{
    private static readonly string Root = DependencyRulesTests.FindRepo();

    private static YamlMappingNode Services()
    {
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader))); // resolves the "<<: *hardening" merge keys
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services()[name];

    private static string? Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            node = next;
        }

        return (node as YamlScalarNode)?.Value;
    }

    [Fact]
    public void Compose_HasPostgresMigrateWebAndWorker_InDependencyOrder()
    {
        var names = Services().Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.Equal(["postgres", "migrate", "web", "worker"], names);
        Assert.Equal("service_healthy", Scalar(Service("migrate"), "depends_on", "postgres", "condition"));
        Assert.Equal("service_completed_successfully", Scalar(Service("web"), "depends_on", "migrate", "condition"));
        Assert.Equal("service_completed_successfully", Scalar(Service("worker"), "depends_on", "migrate", "condition"));
        Assert.Equal("no", Scalar(Service("migrate"), "restart"));
        Assert.StartsWith("postgres:16", Scalar(Service("postgres"), "image"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("web")]
    [InlineData("worker")]
    public void Compose_LongRunningServices_HaveHealthChecks(string service) =>
        Assert.True(Service(service).Children.ContainsKey(new YamlScalarNode("healthcheck")), service);

    [Theory]
    [InlineData("web")]
    [InlineData("worker")]
    public void Compose_Hosts_ConnectAsTheAppAndJobsRoles_NeverAsTheOwner(string service)
    {
        Assert.Contains("Username=khp_app;", Scalar(Service(service), "environment", "ConnectionStrings__App"), StringComparison.Ordinal);
        Assert.Contains("Username=khp_jobs;", Scalar(Service(service), "environment", "ConnectionStrings__Hangfire"), StringComparison.Ordinal);
        Assert.Null(Scalar(Service(service), "environment", "ConnectionStrings__Owner"));
        Assert.Equal("true", Scalar(Service(service), "read_only"));
    }

    [Fact]
    public void Compose_TheWebHost_NeverGetsTheSystemRole()
    {
        Assert.Null(Scalar(Service("web"), "environment", "ConnectionStrings__System"));
        Assert.Equal("src/KubeHardenPortal.Web/Dockerfile", Scalar(Service("web"), "build", "dockerfile"));
    }

    [Theory]
    [InlineData("src/KubeHardenPortal.Worker/Dockerfile")]
    [InlineData("migrations/KubeHardenPortal.Migrations/Dockerfile")]
    public void Dockerfiles_AreMultiStage_AndRunAsNonRoot(string path)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, path)).Select(l => l.Trim()).ToList();
        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "multi-stage build");
        var lastFrom = lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal));
        var user = lines.FindLastIndex(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.True(user > lastFrom, "the final stage switches to a non-root user");
        Assert.DoesNotContain(lines, l => l is "USER root" or "USER 0");
    }

    // The connection names the hosts read: App (khp_app, RLS), Hangfire (khp_jobs), Owner (migrations), and System
    // (khp_system, reserved for the worker's cross-tenant scheduler).
    private static readonly HashSet<string> ConnectionNames = ["App", "Hangfire", "Owner", "System"];

    [Fact(DisplayName = "Deployment manifests and compose only set connection strings the hosts read (a misspelt one fails at start-up)")]
    public void ConnectionStrings_UseNamesTheHostsRead()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "deploy", "kubernetes"), "*.yaml").Append(Path.Combine(Root, "docker-compose.yml")).ToList();
        var found = new List<(string File, string Name)>();
        foreach (var file in files)
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), @"ConnectionStrings__(\w+)"))
            {
                found.Add((Path.GetFileName(file), m.Groups[1].Value));
            }
        }

        Assert.NotEmpty(found);
        Assert.DoesNotContain(found, f => !ConnectionNames.Contains(f.Name));
        var web = File.ReadAllText(Path.Combine(Root, "deploy", "kubernetes", "20-web.yaml"));
        Assert.Contains("ConnectionStrings__App", web, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Hangfire", web, StringComparison.Ordinal);
        Assert.Contains("\"App\"", File.ReadAllText(Path.Combine(Root, "src", "KubeHardenPortal.Web", "Hosting", "PortalHosting.cs")), StringComparison.Ordinal);
    }
}
