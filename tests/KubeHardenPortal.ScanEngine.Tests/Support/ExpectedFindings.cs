using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Support;

/// <summary>
/// Optional second tier of a fixture: "NAME.expected.json" lists the exact failures, e.g.
/// [{"kind":"Pod","name":"x","container":"c","path":"spec.containers[0].securityContext.privileged","severity":"critical"}].
/// Every listed failure must be present and no other failure may appear.
/// </summary>
internal static class ExpectedFindings
{
    public static void AssertMatches(string file, IReadOnlyList<Finding> actual)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var expected = doc.RootElement.EnumerateArray().ToList();
        Assert.True(expected.Count == actual.Count,
            $"{Path.GetFileName(file)}: expected {expected.Count} failures, got {actual.Count}:\n" +
            string.Join("\n", actual.Select(a => $"  {a.Resource} {a.Container?.Name} {a.Evidence?.Path} {a.Severity}")));
        foreach (var e in expected)
        {
            var match = actual.Any(a =>
                Eq(e, "kind", a.Resource.Kind) && Eq(e, "name", a.Resource.Name) && Eq(e, "namespace", a.Resource.Namespace) &&
                Eq(e, "container", a.Container?.Name) && Eq(e, "path", a.Evidence?.Path) &&
                Eq(e, "severity", a.Severity.Text()) && Eq(e, "value", a.Evidence?.Value));
            Assert.True(match, $"{Path.GetFileName(file)}: no failure matches {e.GetRawText()}; got:\n" +
                               string.Join("\n", actual.Select(a => $"  {a.Resource} {a.Container?.Name} {a.Evidence?.Path}={a.Evidence?.Value} {a.Severity}")));
        }
    }

    private static bool Eq(JsonElement e, string name, string? actual) =>
        !e.TryGetProperty(name, out var v) || v.GetString() == actual;
}
