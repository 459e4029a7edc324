using System.Collections.Concurrent;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// Evidence paths built from a prefix and a field ("spec.template.spec.containers[0]" + ".securityContext.privileged").
/// Checks build them for every container they look at, but a scan has only a few hundred distinct ones: each is
/// joined once and shared, instead of a new string per container per check.
/// </summary>
internal static class JsonPaths
{
    // Bounded because prefixes come from the input (container indexes); past it, paths are joined as before.
    private const int MaxShared = 16_384;
    private static readonly ConcurrentDictionary<(string, string, string), string> Joined = new();

    /// <summary><paramref name="prefix"/> + <paramref name="suffix"/> as one shared string.</summary>
    public static string Join(string prefix, string suffix) => Join(prefix, "", suffix);

    /// <summary><paramref name="prefix"/> + "." + <paramref name="field"/>, or the field alone under an empty prefix.</summary>
    public static string Field(string prefix, string field) => prefix.Length == 0 ? field : Join(prefix, ".", field);

    /// <summary>The three parts as one shared string.</summary>
    public static string Join(string prefix, string middle, string suffix)
    {
        if (Joined.TryGetValue((prefix, middle, suffix), out var path))
        {
            return path;
        }

        path = string.Concat(prefix, middle, suffix);
        if (Joined.Count < MaxShared)
        {
            Joined.TryAdd((prefix, middle, suffix), path);
        }

        return path;
    }
}
