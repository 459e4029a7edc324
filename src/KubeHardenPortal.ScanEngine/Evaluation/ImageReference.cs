namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// A container image reference split the way CATALOG.md KH-IMG-001 prescribes: the digest (after '@') first, then
/// a tag only when the last ':' of the remaining name comes after its last '/' (so "registry:5000/app" has no tag
/// and the ':' of "@sha256:…" is never read as one).
/// </summary>
public readonly record struct ImageReference(string Raw, string Name, string? Tag, string? Digest)
{
    // Several checks parse and normalise every container's image, and a cluster runs the same images in many pods:
    // both are pure functions of their text, memoised so each distinct image is split once. Bounded, as the texts come
    // from the input (past the bound, values are computed as before).
    private static readonly BoundedMemo<string, ImageReference> Parsed = new(16_384, StringComparer.Ordinal);
    private static readonly BoundedMemo<string, string> Normalized = new(16_384, StringComparer.Ordinal);

    public static ImageReference Parse(string image) => Parsed.Get(image, static i => Split(i));

    private static ImageReference Split(string image)
    {
        var name = image.Trim();
        string? digest = null;
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            digest = name[(at + 1)..];
            name = name[..at];
        }

        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
        }

        return new ImageReference(image, name, tag is { Length: > 0 } ? tag : null, digest is { Length: > 0 } ? digest : null);
    }

    /// <summary>The repository in canonical form: "nginx" → "docker.io/library/nginx" (see <see cref="Normalize"/>).</summary>
    public string Repository => Normalize(Name);

    /// <summary>Canonical repository plus ":tag" and "@digest" as written.</summary>
    public string Canonical =>
        Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>
    /// CATALOG.md KH-IMG-002 normalisation: the first path component is a registry host only if it contains '.'
    /// or ':' or is "localhost"; otherwise the image is on Docker Hub ("team/app" → "docker.io/team/app", a single
    /// component gets "library/"). "index.docker.io" is Docker Hub too. Hosts are case-insensitive: lower-cased.
    /// </summary>
    public static string Normalize(string name) => Normalized.Get(name, static n => NormalizeText(n));

    private static string NormalizeText(string name)
    {
        var slash = name.IndexOf('/');
        if (slash < 0)
        {
            return "docker.io/library/" + name;
        }

        var first = name[..slash];
        if (!IsRegistryHost(first))
        {
            return "docker.io/" + name;
        }

        var host = first.ToLowerInvariant();
        var rest = name[(slash + 1)..];
        if (host == "index.docker.io")
        {
            host = "docker.io";
        }

        if (host == "docker.io" && !rest.Contains('/'))
        {
            rest = "library/" + rest;
        }

        return host + "/" + rest;
    }

    /// <summary>
    /// Normalises an allowlist-style prefix ("registry.example.org", "quay.io/team", "bitnami"): a leading registry host
    /// is kept (lower-cased, index.docker.io → docker.io); anything else is a Docker Hub path ("bitnami" → "docker.io/bitnami").
    /// </summary>
    public static string NormalizePrefix(string entry)
    {
        var e = entry.Trim().TrimEnd('/');
        var slash = e.IndexOf('/');
        var first = slash < 0 ? e : e[..slash];
        if (!IsRegistryHost(first))
        {
            return "docker.io/" + e;
        }

        var host = first.ToLowerInvariant();
        return (host == "index.docker.io" ? "docker.io" : host) + (slash < 0 ? "" : e[slash..]);
    }

    public static bool IsRegistryHost(string component) =>
        component.Contains('.') || component.Contains(':') || component == "localhost";
}

/// <summary>Case-insensitive wildcard match: '*' is any run of characters (including '/'), '?' one character.</summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text) =>
        pattern.Contains('?') ? Backtrack(pattern, text) : MatchStars(pattern, text);

    /// <summary>'*'-only patterns (the common case, on hot paths): prefix, leftmost middle segments, suffix; no allocation.</summary>
    private static bool MatchStars(ReadOnlySpan<char> p, ReadOnlySpan<char> t)
    {
        var star = p.IndexOf('*');
        if (star < 0)
        {
            return p.Equals(t, StringComparison.OrdinalIgnoreCase);
        }

        if (!t.StartsWith(p[..star], StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        t = t[star..];
        p = p[(star + 1)..];
        while (true)
        {
            var next = p.IndexOf('*');
            if (next < 0)
            {
                return t.EndsWith(p, StringComparison.OrdinalIgnoreCase);
            }

            var at = t.IndexOf(p[..next], StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return false;
            }

            t = t[(at + next)..];
            p = p[(next + 1)..];
        }
    }

    private static bool Backtrack(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public static bool AnyMatch(IEnumerable<string> patterns, string text)
    {
        foreach (var p in patterns)
        {
            if (IsMatch(p, text))
            {
                return true;
            }
        }

        return false;
    }
}
