using System.Text.Json;
using KubeHardenPortal.Cli;

namespace KubeHardenPortal.Cli.Tests;

/// <summary>The portal's own deployment manifests must pass its own checks with no finding above Low (PRODUCT.md §3).</summary>
public sealed class OwnManifestsTests
{
    [Fact]
    public async Task DeployManifests_HaveNoFindingAboveLow_AndLoadWithoutErrors()
    {
        var deploy = Path.Combine(RepoRoot(), "deploy");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(["scan", deploy, "--format", "json", "--fail-on", "medium"], stdout, stderr,
            TimeProvider.System, CancellationToken.None);

        using var doc = JsonDocument.Parse(stdout.ToString());
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => $"{f.GetProperty("checkId").GetString()} {f.GetProperty("severity").GetString()} {f.GetProperty("message").GetString()}")
            .ToList();
        Assert.True(code == ExitCodes.Clean, $"exit {code}; {stderr}\n" + string.Join("\n", findings));
        Assert.Equal(0, doc.RootElement.GetProperty("summary").GetProperty("inputErrors").GetInt32());
        Assert.True(doc.RootElement.GetProperty("summary").GetProperty("workloads").GetInt32() >= 3);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeHardenPortal.sln")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }
}
