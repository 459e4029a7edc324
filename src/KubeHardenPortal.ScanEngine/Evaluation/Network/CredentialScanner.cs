using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>One suspected credential: which rule found it, why, and the masked value (never the value itself).</summary>
public sealed record CredentialHit(string Rule, string Reason, string Masked);

/// <summary>Masks secret values for messages and evidence (CATALOG.md §1.11).</summary>
public static class SecretMask
{
    /// <summary>"Wi…(17 chars)": the first two characters only for values of 8+ characters, and the length.</summary>
    public static string Mask(string value)
    {
        var len = value.Length;
        return len >= 8 ? $"{value[..2]}…({len} chars)" : $"…({len} chars)";
    }
}

/// <summary>
/// The credential heuristics of KH-NET-017/018: the name rule (sensitive name + literal value), the value rule
/// (high-confidence token patterns), the argument rule (--password=... and friends), structured text
/// (properties / INI / YAML / JSON lines) and base64-decoded values.
/// </summary>
public sealed partial class CredentialScanner
{
    // The broadest term: reported only when no more specific term matches the name.
    private const string BroadTerm = "key";

    private static readonly HashSet<string> NonSecretWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "null", "none", "enabled", "disabled",
    };

    private readonly string[] _terms;
    private readonly System.Buffers.SearchValues<string> _needles;

    /// <summary>
    /// Cheap, vectorised pre-filter: text that contains no sensitive name term and no value-pattern marker cannot
    /// produce a hit, so large config files skip the per-line parsing.
    /// </summary>
    public bool MayContainCredential(ReadOnlySpan<char> text) => text.ContainsAny(_needles);
    private readonly HashSet<string> _allowNames;
    private readonly HashSet<string> _allowValues;

    public CredentialScanner(IReadOnlyList<string> nameTerms, IReadOnlyList<string> allowlist)
    {
        _terms = nameTerms.Where(t => t.Length > 0).Select(t => t.ToLowerInvariant()).Distinct().ToArray();
        _needles = System.Buffers.SearchValues.Create(
            _terms.Concat(ValuePatterns.Select(p => p.Marker)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            StringComparison.OrdinalIgnoreCase);
        _allowNames = new HashSet<string>(allowlist, StringComparer.OrdinalIgnoreCase);
        _allowValues = new HashSet<string>(allowlist, StringComparer.Ordinal);
    }

    public static CredentialScanner From(ScanOptions options) => new(options.CredentialNameTerms, options.CredentialAllowlist);

    // Real PEM uses five dashes; copy-pasted or hand-edited keys often keep fewer, and are still private keys.
    [GeneratedRegex(@"-{2,}\s*BEGIN [A-Z0-9 ]*PRIVATE KEY\s*-{2,}")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"AKIA[0-9A-Z]{16}")]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"ghp_[0-9A-Za-z]{36}")]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"AIza[0-9A-Za-z\-_]{35}")]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex(@"xox[baprs]-[0-9A-Za-z-]{10,48}")]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"eyJ[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"^(\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$")]
    private static partial Regex KubeVarReference();

    [GeneratedRegex(@"^\$(\{[A-Za-z_][A-Za-z0-9_.:-]*(:?-[^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex ShellVarReference();

    // scheme://user:password@host, with a literal password (not a $VAR / {{ template }} placeholder).
    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]+:([^/\s@$\{][^/\s@]*)@")]
    private static partial Regex UrlWithPassword();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$")]
    private static partial Regex Url();

    [GeneratedRegex(@"^-?\d+(\.\d+)?$")]
    private static partial Regex Number();

    [GeneratedRegex(@"^\s*(?:export\s+|-\s+)?[""']?([A-Za-z0-9_.\-/\[\]]+)[""']?\s*(?::|=)\s*(.*?)\s*,?\s*$")]
    private static partial Regex KeyValueLine();

    [GeneratedRegex(@"^--?([A-Za-z0-9][A-Za-z0-9_.-]*)=(.*)$")]
    private static partial Regex FlagWithValue();

    [GeneratedRegex(@"^--([A-Za-z0-9][A-Za-z0-9_.-]*)$")]
    private static partial Regex BareLongFlag();

    // Each pattern with a literal its matches must contain: a cheap filter before running the regex.
    private static readonly (string Name, string Marker, Func<Regex> Pattern)[] ValuePatterns =
    [
        ("a private key", "PRIVATE KEY", PrivateKey),
        ("an AWS access key id", "AKIA", AwsAccessKey),
        ("a GitHub token", "ghp_", GitHubToken),
        ("a Google API key", "AIza", GoogleApiKey),
        ("a Slack token", "xox", SlackToken),
        ("a JSON Web Token", "eyJ", Jwt),
        ("a URL with an embedded password", "://", UrlWithPassword),
    ];

    /// <summary>Rule 2: a high-confidence credential pattern anywhere in the value.</summary>
    public CredentialHit? CheckValue(string value)
    {
        if (value.Length < 15 || _allowValues.Contains(value))
        {
            return null;
        }

        foreach (var (name, marker, pattern) in ValuePatterns)
        {
            var at = value.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            // A URL carries a password only as user:password@host: without an '@' after "://" the (costly,
            // backtracking) URL pattern cannot match; most configuration values hold plain URLs.
            if (marker == "://" && value.IndexOf('@', at) < 0)
            {
                continue;
            }

            var m = pattern().Match(value);
            if (m.Success)
            {
                return new CredentialHit("value", $"value contains {name}", SecretMask.Mask(m.Value));
            }
        }

        return null;
    }

    /// <summary>The sensitive term a name matches, or null; a specific term is preferred over the broad "key".</summary>
    public string? MatchName(string name)
    {
        if (_allowNames.Contains(name))
        {
            return null;
        }

        string? broad = null;
        foreach (var t in _terms)
        {
            if (!name.Contains(t, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (t != BroadTerm)
            {
                return t;
            }

            broad = t;
        }

        return broad;
    }

    /// <summary>
    /// Rules 1 and 2 for a literal name/value pair (an env var, a ConfigMap key, a line of a config file). A match on
    /// the broad term "key" alone needs a value of at least 12 characters with Shannon entropy of at least 3.0 bits
    /// per character; a variable that names a Secret object (SMTP_PASSWORD_SECRET: smtp-creds) is not a credential.
    /// </summary>
    public CredentialHit? CheckNameValue(string name, string value)
    {
        if (CheckValue(value) is { } byValue)
        {
            return byValue;
        }

        // The name test is a few substring scans; the literal test runs regexes, so it goes second.
        if (MatchName(name) is not { } term || !IsLiteralCandidate(value))
        {
            return null;
        }

        // The broad "key" term needs a random-looking value (CATALOG.md: cuts noise such as KEY_NAME: primary);
        // specific terms (password, secret, token...) fail on any literal, unless the variable names a Secret.
        if ((term == BroadTerm && !LooksRandom(value)) || NamesASecretObject(name, value))
        {
            return null;
        }

        return new CredentialHit("name", $"name matches \"{term}\" and the value is a literal", SecretMask.Mask(value));
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex Dns1123Name();

    /// <summary>
    /// SMTP_PASSWORD_SECRET: smtp-creds — a variable ending in _SECRET / _SECRET_NAME / _SECRET_REF whose value is a
    /// Kubernetes object name refers to a Secret holding the credential; it is not the credential.
    /// </summary>
    private static bool NamesASecretObject(string name, string value)
    {
        var upper = name.ToUpperInvariant();
        var refSuffix = upper.EndsWith("_SECRET_NAME", StringComparison.Ordinal) || upper.EndsWith("_SECRET_REF", StringComparison.Ordinal) ||
                        (upper.EndsWith("_SECRET", StringComparison.Ordinal) && upper.Length > 7 &&
                         (upper[..^7].Contains("PASSWORD", StringComparison.Ordinal) || upper[..^7].Contains("TOKEN", StringComparison.Ordinal) ||
                          upper[..^7].Contains("KEY", StringComparison.Ordinal) || upper[..^7].Contains("CRED", StringComparison.Ordinal)));
        if (refSuffix && Dns1123Name().IsMatch(value.Trim()))
        {
            return true;
        }

        // TOKEN_TTL, PASSWORD_FILE, SECRET_NAME, API_KEY_HEADER...: the last word says the value describes a credential.
        var last = upper[(upper.LastIndexOfAny(['_', '.', '-']) + 1)..];
        return MetadataSuffixes.Contains(last);
    }

    private static readonly HashSet<string> MetadataSuffixes = new(StringComparer.Ordinal)
    {
        "NAME", "REF", "FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "HEADER", "TYPE", "MODE", "ID", "TTL", "EXPIRY",
        "EXPIRATION", "LENGTH", "ALGORITHM", "ALG", "ISSUER", "AUDIENCE", "PREFIX", "FORMAT", "VERSION", "ENABLED",
        "REGION", "USER", "USERNAME", "LOCATION", "PROVIDER", "SOURCE",
    };

    /// <summary>The length and entropy gate for name-only matches.</summary>
    public static bool LooksRandom(string value) => value.Length >= 12 && Entropy(value) >= 3.0;

    /// <summary>
    /// Values that cannot be credentials on their own: empty, a path, a $(VAR) or ${VAR} reference, a boolean or a
    /// number, a URL (one with an embedded password is caught by the value rule), public certificate material, or an
    /// allowlisted value.
    /// </summary>
    public bool IsLiteralCandidate(string value)
    {
        var v = value.Trim();
        if (v.Length == 0 || v[0] == '/' || _allowValues.Contains(value) || KubeVarReference().IsMatch(v) || ShellVarReference().IsMatch(v) ||
            Number().IsMatch(v) || v.StartsWith("{{", StringComparison.Ordinal) || Url().IsMatch(v))
        {
            return false;
        }

        if (NonSecretWords.Contains(v))
        {
            return false;
        }

        return !IsPublicPem(v);
    }

    /// <summary>PEM text without a private key (certificates, public keys) is public material.</summary>
    public static bool IsPublicPem(string value) =>
        value.Contains("-----BEGIN ", StringComparison.Ordinal) && !value.Contains("PRIVATE KEY-----", StringComparison.Ordinal);

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(string s)
    {
        if (s.Length == 0)
        {
            return 0;
        }

        // Counts per UTF-16 code unit; values are short, so a 64 KiB table would be wasteful: ASCII in a stack
        // table, anything else in a dictionary.
        Span<int> ascii = stackalloc int[128];
        Dictionary<char, int>? other = null;
        foreach (var c in s)
        {
            if (c < 128)
            {
                ascii[c]++;
            }
            else
            {
                other ??= [];
                other[c] = other.GetValueOrDefault(c) + 1;
            }
        }

        double h = 0;
        foreach (var n in ascii)
        {
            h -= n == 0 ? 0 : (double)n / s.Length * Math.Log2((double)n / s.Length);
        }

        if (other is not null)
        {
            foreach (var n in other.Values)
            {
                h -= (double)n / s.Length * Math.Log2((double)n / s.Length);
            }
        }

        return h;
    }

    /// <summary>
    /// Rule 3 over a container's command and args: --password=..., --token ..., mysql -p&lt;secret&gt;, plus the
    /// value patterns. Shell scripts passed as one argument are split on whitespace first.
    /// </summary>
    public List<(int TokenIndex, CredentialHit Hit)> CheckArguments(IReadOnlyList<string> arguments)
    {
        var hits = new List<(int, CredentialHit)>();
        var tokens = new List<(int Arg, string Text)>();
        for (var i = 0; i < arguments.Count; i++)
        {
            foreach (var t in arguments[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                tokens.Add((i, t.Trim('"', '\'')));
            }
        }

        var mysql = tokens.Any(t => t.Text.EndsWith("mysql", StringComparison.Ordinal) || t.Text.EndsWith("mysqladmin", StringComparison.Ordinal) ||
                                    t.Text.EndsWith("mysqldump", StringComparison.Ordinal) || t.Text.EndsWith("mariadb", StringComparison.Ordinal));
        for (var k = 0; k < tokens.Count; k++)
        {
            var (arg, text) = tokens[k];
            if (CheckValue(text) is { } v)
            {
                hits.Add((arg, v));
                continue;
            }

            var m = FlagWithValue().Match(text);
            if (m.Success)
            {
                if (FlagHit(m.Groups[1].Value, m.Groups[2].Value) is { } h)
                {
                    hits.Add((arg, h));
                }

                continue;
            }

            var bare = BareLongFlag().Match(text);
            if (bare.Success && k + 1 < tokens.Count && !tokens[k + 1].Text.StartsWith('-'))
            {
                if (FlagHit(bare.Groups[1].Value, tokens[k + 1].Text) is { } h)
                {
                    hits.Add((tokens[k + 1].Arg, h));
                    k++;
                }

                continue;
            }

            if (mysql && text.Length > 2 && text.StartsWith("-p", StringComparison.Ordinal) && IsLiteralCandidate(text[2..]))
            {
                hits.Add((arg, new CredentialHit("argument", "mysql-style -p<password> argument", SecretMask.Mask(text[2..]))));
            }
        }

        return hits;
    }

    private CredentialHit? FlagHit(string flag, string value)
    {
        value = value.Trim('"', '\'');
        if (!IsLiteralCandidate(value) || MatchName(flag.Replace('-', '_')) is not { } term || !LooksRandom(value))
        {
            return null;
        }

        return new CredentialHit("argument", $"argument --{flag} (matches \"{term}\") carries a literal value", SecretMask.Mask(value));
    }

    /// <summary>
    /// Structured text (JSON, YAML, INI, properties, env files): each literal key/value pair is checked with the
    /// name and value rules. Returns the inner key (and 1-based line for line formats) of each hit.
    /// </summary>
    public List<(string Key, int? Line, CredentialHit Hit)> CheckStructured(string text)
    {
        var hits = new List<(string, int?, CredentialHit)>();
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                var json = CompactJson.Parse(Encoding.UTF8.GetBytes(text),
                    new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
                WalkJson(json, "", hits);
                return hits;
            }
            catch (JsonException)
            {
                // Not JSON after all: fall through to the line formats.
            }
        }

        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            var t = line.TrimStart();
            if (t.Length == 0 || t[0] is '#' or ';' or '[' || t.StartsWith("//", StringComparison.Ordinal) || !MayContainCredential(t))
            {
                continue;
            }

            // Connection-string style "a=b;Password=c;" holds several pairs on one line.
            var segments = t.Contains(';') && t.Contains('=') ? t.Split(';') : [t];
            foreach (var seg in segments)
            {
                var m = KeyValueLine().Match(seg);
                if (!m.Success)
                {
                    continue;
                }

                var key = m.Groups[1].Value;
                var value = StripQuotes(m.Groups[2].Value);
                // Block scalars and flow collections start nested content, not a literal.
                if (value.Length == 0 || value[0] is '{' or '[' or '|' or '>' or '&' or '*')
                {
                    continue;
                }

                if (CheckNameValue(key, value) is { } hit)
                {
                    hits.Add((key, lineNo, hit));
                }
            }
        }

        return hits;
    }

    private void WalkJson(CompactJson e, string path, List<(string, int?, CredentialHit)> hits)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    var child = path.Length == 0 ? p.Name : path + "." + p.Name;
                    if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        if (CheckNameValue(p.Name, p.Value.GetString() ?? "") is { } hit)
                        {
                            hits.Add((child, null, hit));
                        }
                    }
                    else
                    {
                        WalkJson(p.Value, child, hits);
                    }
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    WalkJson(item, $"{path}[{i}]", hits);
                    i++;
                }

                break;
            case JsonValueKind.String:
                if (CheckValue(e.GetString() ?? "") is { } vh)
                {
                    hits.Add((path, null, vh));
                }

                break;
        }
    }

    private static string StripQuotes(string v)
    {
        v = v.Trim();
        if (v.Length >= 2 && ((v[0] == '"' && v[^1] == '"') || (v[0] == '\'' && v[^1] == '\'')))
        {
            return v[1..^1];
        }

        // Drop a trailing YAML/INI comment after the value.
        var hash = v.IndexOf(" #", StringComparison.Ordinal);
        return hash > 0 ? v[..hash].TrimEnd() : v;
    }

    /// <summary>Decodes a value that looks like base64 into text, or null (binary, too short, or not base64).</summary>
    public static string? TryDecodeBase64Text(string value)
    {
        var v = value.Trim();
        if (v.Length < 16 || v.Length % 4 != 0)
        {
            return null;
        }

        foreach (var c in v)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                return null;
            }
        }

        var buffer = new byte[v.Length * 3 / 4];
        if (!Convert.TryFromBase64String(v, buffer, out var n))
        {
            return null;
        }

        return AsText(buffer.AsSpan(0, n));
    }

    /// <summary>UTF-8 text with mostly printable characters, or null.</summary>
    public static string? AsText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || !System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes);
        var printable = 0;
        foreach (var c in text)
        {
            if (!char.IsControl(c) || c is '\n' or '\r' or '\t')
            {
                printable++;
            }
        }

        return printable >= text.Length * 0.95 ? text : null;
    }
}
