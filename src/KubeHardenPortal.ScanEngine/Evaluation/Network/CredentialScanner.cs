using System.Buffers;
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
    public static string Mask(string value) => Mask(value.AsSpan());

    public static string Mask(ReadOnlySpan<char> value)
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

    private const string UrlMarker = "://";

    private readonly string[] _terms;

    // Name terms plus every value marker but "://" (case-insensitive, as before); "://" is tested on its own, see below.
    private readonly SearchValues<string> _needlesButUrl;

    // The name terms alone: a name without any of them cannot match, whatever the loop over the terms would prefer.
    private readonly SearchValues<string> _termNeedles;

    /// <summary>
    /// Cheap, vectorised pre-filter: text that contains no sensitive name term and no value-pattern marker cannot
    /// produce a hit, so large config files skip the per-line parsing. "://" only matters as user:password@host, so a
    /// text whose only marker is "://" needs an '@' after its first "://" (or a '\': a JSON escape such as \u0040 can
    /// spell any character, so escaped text is never ruled out this way).
    /// </summary>
    public bool MayContainCredential(ReadOnlySpan<char> text)
    {
        if (text.ContainsAny(_needlesButUrl))
        {
            return true;
        }

        var url = text.IndexOf(UrlMarker, StringComparison.Ordinal);
        return url >= 0 && (text[url..].Contains('@') || text.Contains('\\'));
    }

    private readonly HashSet<string> _allowNames;
    private readonly HashSet<string> _allowValues;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _allowNamesBySpan;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _allowValuesBySpan;

    public CredentialScanner(IReadOnlyList<string> nameTerms, IReadOnlyList<string> allowlist)
    {
        _terms = nameTerms.Where(t => t.Length > 0).Select(t => t.ToLowerInvariant()).Distinct().ToArray();
        _needlesButUrl = SearchValues.Create(
            _terms.Concat(ValuePatterns.Select(p => p.Marker).Where(m => m != UrlMarker)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            StringComparison.OrdinalIgnoreCase);
        _termNeedles = SearchValues.Create(_terms, StringComparison.OrdinalIgnoreCase);
        _allowNames = new HashSet<string>(allowlist, StringComparer.OrdinalIgnoreCase);
        _allowValues = new HashSet<string>(allowlist, StringComparer.Ordinal);
        _allowNamesBySpan = _allowNames.GetAlternateLookup<ReadOnlySpan<char>>();
        _allowValuesBySpan = _allowValues.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private bool IsAllowedName(ReadOnlySpan<char> name) => _allowNames.Count > 0 && _allowNamesBySpan.Contains(name);

    private bool IsAllowedValue(ReadOnlySpan<char> value) => _allowValues.Count > 0 && _allowValuesBySpan.Contains(value);

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
        ("a URL with an embedded password", UrlMarker, UrlWithPassword),
    ];

    // Every marker at once (ordinal, as the per-pattern test below): most values hold none and skip the loop.
    private static readonly SearchValues<string> AnyMarker = SearchValues.Create(ValuePatterns.Select(p => p.Marker).ToArray(), StringComparison.Ordinal);

    /// <summary>Rule 2: a high-confidence credential pattern anywhere in the value.</summary>
    public CredentialHit? CheckValue(string value) => CheckValue(value.AsSpan());

    /// <inheritdoc cref="CheckValue(string)"/>
    public CredentialHit? CheckValue(ReadOnlySpan<char> value)
    {
        if (value.Length < 15 || IsAllowedValue(value) || !value.ContainsAny(AnyMarker))
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
            if (marker == UrlMarker && !value[at..].Contains('@'))
            {
                continue;
            }

            // The first (leftmost) match, as Match() would return it, without allocating one; the masked text is the
            // only string made, and only for a hit.
            var matches = pattern().EnumerateMatches(value);
            if (matches.MoveNext())
            {
                return new CredentialHit("value", $"value contains {name}", SecretMask.Mask(value.Slice(matches.Current.Index, matches.Current.Length)));
            }
        }

        return null;
    }

    /// <summary>The sensitive term a name matches, or null; a specific term is preferred over the broad "key".</summary>
    public string? MatchName(string name) => MatchName(name.AsSpan());

    /// <inheritdoc cref="MatchName(string)"/>
    public string? MatchName(ReadOnlySpan<char> name)
    {
        if (!name.ContainsAny(_termNeedles) || IsAllowedName(name))
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
    public CredentialHit? CheckNameValue(string name, string value) => CheckNameValue(name.AsSpan(), value.AsSpan());

    /// <inheritdoc cref="CheckNameValue(string, string)"/>
    public CredentialHit? CheckNameValue(ReadOnlySpan<char> name, ReadOnlySpan<char> value)
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
    private static bool NamesASecretObject(ReadOnlySpan<char> name, ReadOnlySpan<char> value)
    {
        // Reached only for a name with a sensitive term and a literal value (a finding, mostly): one string is fine.
        var upper = name.ToString().ToUpperInvariant().AsSpan();
        var refSuffix = upper.EndsWith("_SECRET_NAME", StringComparison.Ordinal) || upper.EndsWith("_SECRET_REF", StringComparison.Ordinal) ||
                        (upper.EndsWith("_SECRET", StringComparison.Ordinal) && upper.Length > 7 &&
                         (upper[..^7].Contains("PASSWORD", StringComparison.Ordinal) || upper[..^7].Contains("TOKEN", StringComparison.Ordinal) ||
                          upper[..^7].Contains("KEY", StringComparison.Ordinal) || upper[..^7].Contains("CRED", StringComparison.Ordinal)));
        if (refSuffix && Dns1123Name().IsMatch(value.Trim()))
        {
            return true;
        }

        // TOKEN_TTL, PASSWORD_FILE, SECRET_NAME, API_KEY_HEADER...: the last word says the value describes a credential.
        var last = upper[(upper.LastIndexOfAny('_', '.', '-') + 1)..];
        return MetadataSuffixesBySpan.Contains(last);
    }

    private static readonly HashSet<string> MetadataSuffixes = new(StringComparer.Ordinal)
    {
        "NAME", "REF", "FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "HEADER", "TYPE", "MODE", "ID", "TTL", "EXPIRY",
        "EXPIRATION", "LENGTH", "ALGORITHM", "ALG", "ISSUER", "AUDIENCE", "PREFIX", "FORMAT", "VERSION", "ENABLED",
        "REGION", "USER", "USERNAME", "LOCATION", "PROVIDER", "SOURCE",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> MetadataSuffixesBySpan =
        MetadataSuffixes.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The length and entropy gate for name-only matches.</summary>
    public static bool LooksRandom(string value) => LooksRandom(value.AsSpan());

    /// <inheritdoc cref="LooksRandom(string)"/>
    public static bool LooksRandom(ReadOnlySpan<char> value) => value.Length >= 12 && Entropy(value) >= 3.0;

    /// <summary>
    /// Values that cannot be credentials on their own: empty, a path, a $(VAR) or ${VAR} reference, a boolean or a
    /// number, a URL (one with an embedded password is caught by the value rule), public certificate material, or an
    /// allowlisted value.
    /// </summary>
    public bool IsLiteralCandidate(string value) => IsLiteralCandidate(value.AsSpan());

    /// <inheritdoc cref="IsLiteralCandidate(string)"/>
    public bool IsLiteralCandidate(ReadOnlySpan<char> value)
    {
        var v = value.Trim();
        if (v.Length == 0 || v[0] == '/' || IsAllowedValue(value) || KubeVarReference().IsMatch(v) || ShellVarReference().IsMatch(v) ||
            Number().IsMatch(v) || v.StartsWith("{{", StringComparison.Ordinal) || Url().IsMatch(v))
        {
            return false;
        }

        if (NonSecretWordsBySpan.Contains(v))
        {
            return false;
        }

        return !IsPublicPem(v);
    }

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NonSecretWordsBySpan =
        NonSecretWords.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>PEM text without a private key (certificates, public keys) is public material.</summary>
    public static bool IsPublicPem(string value) => IsPublicPem(value.AsSpan());

    /// <inheritdoc cref="IsPublicPem(string)"/>
    public static bool IsPublicPem(ReadOnlySpan<char> value) =>
        value.Contains("-----BEGIN ", StringComparison.Ordinal) && !value.Contains("PRIVATE KEY-----", StringComparison.Ordinal);

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(string s) => Entropy(s.AsSpan());

    /// <inheritdoc cref="Entropy(string)"/>
    public static double Entropy(ReadOnlySpan<char> s)
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
    /// value patterns. Shell scripts passed as one argument are split on whitespace first. Returns the index of the
    /// argument of each hit, in argument order.
    /// </summary>
    public IReadOnlyList<(int TokenIndex, CredentialHit Hit)> CheckArguments(ReadOnlySpan<string> arguments)
    {
        // Tokens are (argument, start, length) slices of the arguments: whitespace-separated words (string.Split with
        // no separator), then trimmed of quotes, which can leave an empty token that still counts as the next one.
        var tokens = ArrayPool<(int Arg, int Start, int Length)>.Shared.Rent(16);
        try
        {
            return CheckArguments(arguments, ref tokens);
        }
        finally
        {
            ArrayPool<(int, int, int)>.Shared.Return(tokens);
        }
    }

    private IReadOnlyList<(int TokenIndex, CredentialHit Hit)> CheckArguments(ReadOnlySpan<string> arguments, ref (int Arg, int Start, int Length)[] tokens)
    {
        var count = 0;
        var mysql = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            var a = arguments[i];
            var pos = 0;
            while (true)
            {
                while (pos < a.Length && char.IsWhiteSpace(a[pos]))
                {
                    pos++;
                }

                if (pos == a.Length)
                {
                    break;
                }

                var start = pos;
                while (pos < a.Length && !char.IsWhiteSpace(a[pos]))
                {
                    pos++;
                }

                var word = a.AsSpan(start, pos - start);
                var lead = word.Length - word.TrimStart(Quotes).Length;
                var text = word.Trim(Quotes);
                if (count == tokens.Length)
                {
                    var larger = ArrayPool<(int, int, int)>.Shared.Rent(count * 2);
                    tokens.AsSpan().CopyTo(larger);
                    ArrayPool<(int, int, int)>.Shared.Return(tokens);
                    tokens = larger;
                }

                tokens[count++] = (i, start + lead, text.Length);
                mysql = mysql || text.EndsWith("mysql", StringComparison.Ordinal) || text.EndsWith("mysqladmin", StringComparison.Ordinal) ||
                        text.EndsWith("mysqldump", StringComparison.Ordinal) || text.EndsWith("mariadb", StringComparison.Ordinal);
            }
        }

        List<(int, CredentialHit)>? hits = null;
        for (var k = 0; k < count; k++)
        {
            var (arg, start, length) = tokens[k];
            var text = arguments[arg].AsSpan(start, length);
            if (CheckValue(text) is { } v)
            {
                (hits ??= []).Add((arg, v));
                continue;
            }

            // ^--?(flag)=(.*)$: the flag starts after both dashes when there are two (it must begin with a letter or
            // digit) and cannot contain '=', so the value is everything after the first '='.
            if (FlagWithValue().IsMatch(text))
            {
                var eq = text.IndexOf('=');
                var flag = text[(text.StartsWith("--", StringComparison.Ordinal) ? 2 : 1)..eq];
                if (FlagHit(flag, text[(eq + 1)..]) is { } h)
                {
                    (hits ??= []).Add((arg, h));
                }

                continue;
            }

            if (BareLongFlag().IsMatch(text) && k + 1 < count && !arguments[tokens[k + 1].Arg].AsSpan(tokens[k + 1].Start, tokens[k + 1].Length).StartsWith('-'))
            {
                var next = tokens[k + 1];
                if (FlagHit(text[2..], arguments[next.Arg].AsSpan(next.Start, next.Length)) is { } h)
                {
                    (hits ??= []).Add((next.Arg, h));
                    k++;
                }

                continue;
            }

            if (mysql && text.Length > 2 && text.StartsWith("-p", StringComparison.Ordinal) && IsLiteralCandidate(text[2..]))
            {
                (hits ??= []).Add((arg, new CredentialHit("argument", "mysql-style -p<password> argument", SecretMask.Mask(text[2..]))));
            }
        }

        return hits is null ? [] : hits;
    }

    private const string Quotes = "\"'";

    private CredentialHit? FlagHit(ReadOnlySpan<char> flag, ReadOnlySpan<char> value)
    {
        value = value.Trim(Quotes);
        if (!IsLiteralCandidate(value) || !LooksRandom(value))
        {
            return null;
        }

        // The flag's dashes read as underscores, so --api-key matches the term api_key.
        Span<char> name = flag.Length <= 256 ? stackalloc char[flag.Length] : new char[flag.Length];
        flag.Replace(name, '-', '_');
        if (MatchName(name) is not { } term)
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
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                var json = CompactJson.Parse(Encoding.UTF8.GetBytes(text),
                    new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
                WalkJson(json, [], hits);
                return hits;
            }
            catch (JsonException)
            {
                // Not JSON after all: fall through to the line formats.
            }
        }

        // Lines are slices of the text (as text.Split('\n') would cut them); strings are made only for a hit's key.
        var lineNo = 0;
        var lineStart = 0;
        while (true)
        {
            lineNo++;
            var nl = text.IndexOf('\n', lineStart);
            var line = text.AsSpan(lineStart, (nl < 0 ? text.Length : nl) - lineStart).TrimEnd('\r');
            var t = line.TrimStart();
            if (!(t.Length == 0 || t[0] is '#' or ';' or '[' || t.StartsWith("//", StringComparison.Ordinal) || !MayContainCredential(t)))
            {
                var tStart = lineStart + (line.Length - t.Length);

                // Connection-string style "a=b;Password=c;" holds several pairs on one line.
                if (t.Contains(';') && t.Contains('='))
                {
                    var segStart = 0;
                    while (true)
                    {
                        var semi = t[segStart..].IndexOf(';');
                        var segLength = semi < 0 ? t.Length - segStart : semi;
                        CheckPair(text, tStart + segStart, segLength, lineNo, hits);
                        if (semi < 0)
                        {
                            break;
                        }

                        segStart += semi + 1;
                    }
                }
                else
                {
                    CheckPair(text, tStart, t.Length, lineNo, hits);
                }
            }

            if (nl < 0)
            {
                break;
            }

            lineStart = nl + 1;
        }

        return hits;
    }

    /// <summary>One key/value pair of a line: <paramref name="text"/> from <paramref name="start"/> for <paramref name="length"/> characters.</summary>
    private void CheckPair(string text, int start, int length, int lineNo, List<(string, int?, CredentialHit)> hits)
    {
        if (!TryParsePair(text.AsSpan(start, length), out var key, out var rawValue))
        {
            return;
        }

        var value = StripQuotes(rawValue);
        // Block scalars and flow collections start nested content, not a literal.
        if (value.Length == 0 || value[0] is '{' or '[' or '|' or '>' or '&' or '*')
        {
            return;
        }

        if (CheckNameValue(key, value) is { } hit)
        {
            hits.Add((key.ToString(), lineNo, hit));
        }
    }

    /// <summary>
    /// A "key: value" / "key = value" pair, as the pattern
    /// <c>^\s*(?:export\s+|-\s+)?["']?([A-Za-z0-9_.\-/\[\]]+)["']?\s*(?::|=)\s*(.*?)\s*,?\s*$</c> reads a line without
    /// '\n' (group 1 is the key, group 2 the value), without a Match object per line. The pattern cannot backtrack into
    /// the key (its characters exclude quotes, spaces, ':' and '='), so the only choice is the optional "export " / "- "
    /// prefix: it is taken when the rest then parses, as the greedy '?' prefers.
    /// </summary>
    internal static bool TryParsePair(ReadOnlySpan<char> line, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        var i = SkipSpaces(line, 0);
        var afterPrefix = -1;
        if (line[i..].StartsWith("export", StringComparison.Ordinal) && i + 6 < line.Length && char.IsWhiteSpace(line[i + 6]))
        {
            afterPrefix = SkipSpaces(line, i + 6);
        }
        else if (i + 1 < line.Length && line[i] == '-' && char.IsWhiteSpace(line[i + 1]))
        {
            afterPrefix = SkipSpaces(line, i + 1);
        }

        return (afterPrefix >= 0 && TryParsePairAt(line, afterPrefix, out key, out value)) || TryParsePairAt(line, i, out key, out value);
    }

    private static bool TryParsePairAt(ReadOnlySpan<char> line, int i, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        key = value = default;
        if (i < line.Length && line[i] is '"' or '\'')
        {
            i++;
        }

        var start = i;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or '.' or '-' or '/' or '[' or ']'))
        {
            i++;
        }

        if (i == start)
        {
            return false;
        }

        key = line[start..i];
        if (i < line.Length && line[i] is '"' or '\'')
        {
            i++;
        }

        i = SkipSpaces(line, i);
        if (i == line.Length || line[i] is not (':' or '='))
        {
            return false;
        }

        // (.*?)\s*,?\s*$: the shortest value followed only by spaces, at most one comma, and spaces.
        var v = line[SkipSpaces(line, i + 1)..].TrimEnd();
        if (v.EndsWith(','))
        {
            v = v[..^1].TrimEnd();
        }

        value = v;
        return true;
    }

    private static int SkipSpaces(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>
    /// Walks a JSON document; <paramref name="path"/> holds the property names (Index -1) and array indexes leading to
    /// <paramref name="e"/>, and becomes a dotted path string only for a hit.
    /// </summary>
    private void WalkJson(CompactJson e, List<(string Name, int Index)> path, List<(string, int?, CredentialHit)> hits)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    path.Add((p.Name, -1));
                    if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        if (CheckNameValue(p.Name, p.Value.GetString() ?? "") is { } hit)
                        {
                            hits.Add((JsonPath(path), null, hit));
                        }
                    }
                    else
                    {
                        WalkJson(p.Value, path, hits);
                    }

                    path.RemoveAt(path.Count - 1);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    path.Add(("", i));
                    WalkJson(item, path, hits);
                    path.RemoveAt(path.Count - 1);
                    i++;
                }

                break;
            case JsonValueKind.String:
                if (CheckValue(e.GetString() ?? "") is { } vh)
                {
                    hits.Add((JsonPath(path), null, vh));
                }

                break;
        }
    }

    /// <summary>"a.b[0].c": a name joins with '.' unless the path so far is empty; an index is appended as [i].</summary>
    private static string JsonPath(List<(string Name, int Index)> path)
    {
        var s = "";
        foreach (var (name, index) in path)
        {
            s = index >= 0 ? $"{s}[{index}]" : s.Length == 0 ? name : s + "." + name;
        }

        return s;
    }

    private static ReadOnlySpan<char> StripQuotes(ReadOnlySpan<char> v)
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
        if (DecodeBase64Text(value, out var length) is not { } chars)
        {
            return null;
        }

        try
        {
            return new string(chars, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// Rule 2 over a base64 value's decoded text (its first <paramref name="maxChars"/> characters), or null when the
    /// value is not base64 text. The text stays in a pooled buffer: no string is made unless there is a hit.
    /// </summary>
    public CredentialHit? CheckBase64Value(ReadOnlySpan<char> value, int maxChars = int.MaxValue)
    {
        if (DecodeBase64Text(value, out var length) is not { } chars)
        {
            return null;
        }

        try
        {
            return CheckValue(chars.AsSpan(0, Math.Min(length, maxChars)));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The decoded text in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it), or null.</summary>
    private static char[]? DecodeBase64Text(ReadOnlySpan<char> value, out int length)
    {
        length = 0;
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

        var size = v.Length * 3 / 4;
        var bytes = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            if (!Convert.TryFromBase64Chars(v, bytes.AsSpan(0, size), out var n))
            {
                return null;
            }

            var chars = ArrayPool<char>.Shared.Rent(Math.Max(n, 1));
            length = AsText(bytes.AsSpan(0, n), chars);
            if (length >= 0)
            {
                return chars;
            }

            ArrayPool<char>.Shared.Return(chars);
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>UTF-8 text with mostly printable characters, or null.</summary>
    public static string? AsText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return null;
        }

        var chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            return AsText(bytes, chars) is var length and >= 0 ? new string(chars, 0, length) : null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Decodes UTF-8 with mostly printable characters into <paramref name="chars"/> (at least as long as the bytes) and returns the length, or -1.</summary>
    private static int AsText(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        if (bytes.IsEmpty || !System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return -1;
        }

        var length = Encoding.UTF8.GetChars(bytes, chars);
        var text = chars[..length];
        var printable = 0;
        foreach (var c in text)
        {
            if (!char.IsControl(c) || c is '\n' or '\r' or '\t')
            {
                printable++;
            }
        }

        return printable >= text.Length * 0.95 ? length : -1;
    }
}
