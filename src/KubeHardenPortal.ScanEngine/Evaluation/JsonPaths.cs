namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// Evidence paths built from a prefix and a field ("spec.template.spec.containers[0]" + ".securityContext.privileged").
/// Checks build them for every container they look at, but a scan has only a few hundred distinct ones: each is
/// joined once and shared, instead of a new string per container per check.
/// </summary>
internal static class JsonPaths
{
    // Bounded because prefixes come from the input (container indexes); past it, paths are joined as before.
    private static readonly BoundedMemo<(string, string, string), string> Joined = new(16_384);

    /// <summary><paramref name="prefix"/> + <paramref name="suffix"/> as one shared string.</summary>
    public static string Join(string prefix, string suffix) => Join(prefix, "", suffix);

    /// <summary><paramref name="prefix"/> + "." + <paramref name="field"/>, or the field alone under an empty prefix.</summary>
    public static string Field(string prefix, string field) => prefix.Length == 0 ? field : Join(prefix, ".", field);

    private static readonly BoundedMemo<(string, int), string> Indexes = new(4_096);

    /// <summary>"name[index]" (e.g. "rules[3]", "subjects[0]") as one shared string: every role and binding repeats them.</summary>
    public static string Indexed(string name, int index) => Indexes.Get((name, index), static k => $"{k.Item1}[{k.Item2}]");

    /// <summary>The three parts as one shared string.</summary>
    public static string Join(string prefix, string middle, string suffix) =>
        Joined.Get((prefix, middle, suffix), static k => string.Concat(k.Item1, k.Item2, k.Item3));
}
