using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>One upstream minor release: its end of support and its newest patch (KH-UPG-001/002).</summary>
public sealed record KubernetesRelease(string Minor, DateOnly Released, DateOnly EndOfLife, string LatestPatch, DateOnly LatestPatchDate)
{
    public KubeVersion? Version => KubeVersion.Parse(Minor);

    public KubeVersion? Latest => KubeVersion.Parse(LatestPatch);
}

/// <summary>
/// The release-data table (data, not code: CATALOG.md KH-UPG-001 edge cases). The portal may pass a fresher table in
/// <see cref="ScanOptions.KubernetesReleases"/>; otherwise the one embedded as Data/kubernetes-releases.json is used.
/// Checks refuse to decide from a table older than <see cref="MaxAgeDays"/>.
/// </summary>
public sealed record KubernetesReleaseTable(DateOnly LastRefreshed, IReadOnlyList<KubernetesRelease> Releases)
{
    public const int MaxAgeDays = 45;

    private static readonly Lazy<KubernetesReleaseTable> LazyEmbedded = new(() => DataJson.Load("kubernetes-releases.json", ReleaseDataJson.Default.KubernetesReleaseTable));

    public static KubernetesReleaseTable Embedded => LazyEmbedded.Value;

    /// <summary>Why the table cannot be trusted at <paramref name="now"/>; null when it is fresh enough.</summary>
    public string? StaleReason(DateTimeOffset now)
    {
        var age = DataJson.DaysBetween(LastRefreshed, now);
        return age > MaxAgeDays
            ? $"the Kubernetes release table was last refreshed on {LastRefreshed:yyyy-MM-dd} ({age} days ago, more than {MaxAgeDays}); refresh it before judging versions"
            : null;
    }

    public KubernetesRelease? Find(KubeVersion v)
    {
        foreach (var r in Releases)
        {
            if (r.Version is { } rv && rv.Major == v.Major && rv.Minor == v.Minor)
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>The newest and oldest minor in the table (by version).</summary>
    public (KubeVersion Oldest, KubeVersion Newest)? Range()
    {
        KubeVersion? oldest = null, newest = null;
        foreach (var r in Releases)
        {
            if (r.Version is not { } v)
            {
                continue;
            }

            oldest = oldest is null || v < oldest.Value ? v : oldest;
            newest = newest is null || v > newest.Value ? v : newest;
        }

        return oldest is null ? null : (oldest.Value, newest!.Value);
    }
}

/// <summary>Reading of the engine's embedded JSON data files, and date arithmetic against ScanOptions.Now.</summary>
internal static class DataJson
{
    /// <summary>Deserialises Data/<paramref name="file"/> with source-generated metadata (works in trimmed/AOT hosts).</summary>
    public static T Load<T>(string file, JsonTypeInfo<T> type)
    {
        using var stream = typeof(DataJson).Assembly.GetManifestResourceStream("KubeHardenPortal.ScanEngine.Data." + file)
            ?? throw new InvalidOperationException($"embedded resource Data/{file} is missing");
        return JsonSerializer.Deserialize(stream, type) ?? throw new InvalidOperationException($"Data/{file} is empty");
    }

    /// <summary>Whole days from <paramref name="date"/> to the UTC date of <paramref name="now"/> (negative when in the future).</summary>
    public static int DaysBetween(DateOnly date, DateTimeOffset now) =>
        DateOnly.FromDateTime(now.UtcDateTime).DayNumber - date.DayNumber;
}

/// <summary>Source-generated serialisation metadata for Data/kubernetes-releases.json.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(KubernetesReleaseTable))]
internal sealed partial class ReleaseDataJson : JsonSerializerContext;
