using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Support;

/// <summary>
/// Optional second tier of a fixture: "NAME.expected.json" lists the exact failures, e.g.
/// [{"kind":"Pod","name":"x","container":"c","path":"spec.containers[0].securityContext.privileged","severity":"critical"}].
/// Every listed failure must be present and no other failure may appear.
/// The object form {"failures": [...], "advisories": [...]} also pins advisories the same way (each key optional;
/// an absent key is not checked, an empty list means "none"). Advisory entries may add "messageContains".
/// </summary>
internal static class ExpectedFindings
{
    public static void AssertMatches(string file, IReadOnlyList<Finding> failures, IReadOnlyList<Advisory> advisories)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            AssertFailures(file, root, failures);
            return;
        }

        if (root.TryGetProperty("failures", out var f))
        {
            AssertFailures(file, f, failures);
        }

        if (root.TryGetProperty("advisories", out var a))
        {
            AssertAdvisories(file, a, advisories);
        }
    }

    private static void AssertAdvisories(string file, JsonElement list, IReadOnlyList<Advisory> actual)
    {
        var expected = list.EnumerateArray().ToList();
        var got = string.Join("\n", actual.Select(a => $"  {a.Resource} {a.Container?.Name} {a.Evidence?.Path}={a.Evidence?.Value}: {a.Message}"));
        Assert.True(expected.Count == actual.Count, $"{Path.GetFileName(file)}: expected {expected.Count} advisories, got {actual.Count}:\n{got}");
        foreach (var e in expected)
        {
            var match = actual.Any(a =>
                Eq(e, "kind", a.Resource.Kind) && Eq(e, "name", a.Resource.Name) && Eq(e, "namespace", a.Resource.Namespace) &&
                Eq(e, "container", a.Container?.Name) && Eq(e, "path", a.Evidence?.Path) && Eq(e, "value", a.Evidence?.Value) &&
                (!e.TryGetProperty("messageContains", out var m) || a.Message.Contains(m.GetString()!, StringComparison.Ordinal)));
            Assert.True(match, $"{Path.GetFileName(file)}: no advisory matches {e.GetRawText()}; got:\n{got}");
        }
    }

    private static void AssertFailures(string file, JsonElement list, IReadOnlyList<Finding> actual)
    {
        var expected = list.EnumerateArray().ToList();
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
