using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;

namespace KubeHardenPortal.ScanEngine.Tests.Support;

/// <summary>
/// Optional "NAME.options.json" beside a fixture: tenant settings the fixture needs (e.g. {"approvedRegistries": [...]}),
/// read as ScanOptions in camelCase. Now stays the harness's fixed date unless the file sets it.
/// </summary>
internal static class FixtureOptions
{
    public static readonly DateTimeOffset DefaultNow = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ScanOptions? For(string fixturePath)
    {
        var file = Path.Combine(Path.GetDirectoryName(fixturePath)!, Path.GetFileNameWithoutExtension(fixturePath) + ".options.json");
        if (!File.Exists(file))
        {
            return null;
        }

        var options = JsonSerializer.Deserialize<ScanOptions>(File.ReadAllText(file), Json)
                      ?? throw new InvalidOperationException(file + " is empty");
        return options.Now == DateTimeOffset.UnixEpoch ? options with { Now = DefaultNow } : options;
    }
}
