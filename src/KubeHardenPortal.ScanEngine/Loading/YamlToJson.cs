using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KubeHardenPortal.ScanEngine.Loading;

/// <summary>
/// Converts one YAML document to JSON bytes with Kubernetes' YAML rules (sigs.k8s.io/yaml, i.e. YAML 1.1 scalars:
/// yes/no/on/off are booleans, 0-prefixed integers are octal). Aliases are expanded with a hard budget so an
/// alias bomb fails fast, merge keys (&lt;&lt;) are honoured, and duplicate keys are rejected as kubectl does.
/// Only what aliases add is budgeted: a large document without aliases is bounded by the file size limits alone.
/// </summary>
internal static partial class YamlToJson
{
    internal sealed class YamlInputException(string message, int? line) : Exception(message)
    {
        public int? Line { get; } = line;
    }

    private abstract class Node(int line)
    {
        public int Line { get; } = line;
    }

    private sealed class ScalarNode(int line, string value, ScalarStyle style, string? tag) : Node(line)
    {
        public string Value { get; } = value;
        public ScalarStyle Style { get; } = style;
        public string? Tag { get; } = tag;
    }

    private sealed class SequenceNode(int line) : Node(line)
    {
        public List<Node> Items { get; } = [];
    }

    private sealed class MappingNode(int line) : Node(line)
    {
        public List<KeyValuePair<Node, Node>> Entries { get; } = [];
    }

    /// <summary>A use of an anchor (*name): written as its target, and everything under it counts against the budget.</summary>
    private sealed class AliasNode(int line, Node target) : Node(line)
    {
        public Node Target { get; } = target;
    }

    /// <summary>Aliased scalars cost one node per this many characters, so huge aliased strings are bounded too.</summary>
    private const int CharsPerNode = 64;

    private static Node Resolve(Node node) => node is AliasNode a ? a.Target : node;

    /// <summary>
    /// Result of converting one document: JSON bytes (null for an empty document), the line the document's content
    /// starts on, and the start lines of the elements of the root's "items" and "objects" sequences.
    /// </summary>
    internal sealed record Converted(byte[]? Json, int Line, IReadOnlyList<int> ItemLines, IReadOnlyList<int> ObjectLines);

    /// <summary>Parses <paramref name="text"/> (exactly one YAML document); lines are offset by <paramref name="firstLine"/>.</summary>
    public static Converted Convert(string text, int firstLine, LoadLimits limits)
    {
        Node? root;
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        try
        {
            root = Parse(scanner, firstLine, limits);
        }
        catch (YamlException ex)
        {
            // Some scanner errors carry no position (Mark.Empty, e.g. a tab used as indentation): use where the
            // scanner stopped instead.
            var mark = ex.Start.Equals(Mark.Empty) ? scanner.CurrentPosition : ex.Start;
            var line = mark.Line > 0 ? firstLine + (int)mark.Line - 1 : firstLine;
            throw new YamlInputException("invalid YAML: " + Clean(ex.Message), line);
        }

        if (root is null || (root is ScalarNode s0 && IsNull(s0)))
        {
            return new Converted(null, firstLine, [], []);
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, text.Length));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = limits.MaxDepth + 8 }))
        {
            long budget = limits.MaxYamlExpandedNodes;
            Write(writer, root, 0, aliased: false, ref budget, limits);
        }

        return new Converted(buffer.WrittenSpan.ToArray(), root.Line, SequenceLines(root, "items"), SequenceLines(root, "objects"));
    }

    private static List<int> SequenceLines(Node root, string key)
    {
        var lines = new List<int>();
        if (root is MappingNode rootMap)
        {
            foreach (var (k, v) in rootMap.Entries)
            {
                if (Resolve(k) is ScalarNode ks && ks.Value == key && Resolve(v) is SequenceNode seq)
                {
                    lines.Clear();
                    foreach (var item in seq.Items)
                    {
                        lines.Add(item.Line);
                    }
                }
            }
        }

        return lines;
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (Line...): "; we report the line ourselves.
        var i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return i >= 0 ? message[(i + 3)..] : message;
    }

    private static Node? Parse(Scanner scanner, int firstLine, LoadLimits limits)
    {
        var parser = new Parser(scanner);
        var documents = 0;
        var anchors = new Dictionary<string, Node>(StringComparer.Ordinal);
        var stack = new Stack<Node>();
        Node? root = null;
        Node? pendingKey = null;
        var keyStack = new Stack<Node?>();

        void Attach(Node node)
        {
            if (stack.Count == 0)
            {
                root ??= node;
                return;
            }

            switch (stack.Peek())
            {
                case SequenceNode seq:
                    seq.Items.Add(node);
                    break;
                case MappingNode map:
                    if (pendingKey is null)
                    {
                        pendingKey = node;
                    }
                    else
                    {
                        map.Entries.Add(new(pendingKey, node));
                        pendingKey = null;
                    }

                    break;
            }
        }

        int Line(ParsingEvent e) => firstLine + (int)e.Start.Line - 1;

        while (parser.MoveNext())
        {
            var ev = parser.Current!;
            switch (ev)
            {
                case DocumentStart ds:
                    // Documents are split at "---" lines before parsing, so a second one here had no such line
                    // (e.g. it follows a line break YAML knows but this loader does not split at). Report it
                    // rather than keep only the first document.
                    if (++documents > 1)
                    {
                        throw new YamlInputException(
                            "a second YAML document starts here without a \"---\" line at the start of a line", Line(ds));
                    }

                    break;
                case Scalar sc:
                    var scalar = new ScalarNode(Line(sc), sc.Value, sc.Style, sc.Tag.IsEmpty ? null : sc.Tag.Value);
                    if (!sc.Anchor.IsEmpty)
                    {
                        anchors[sc.Anchor.Value] = scalar;
                    }

                    Attach(scalar);
                    break;
                case SequenceStart ss:
                    if (stack.Count >= limits.MaxDepth)
                    {
                        throw new YamlInputException($"YAML nesting deeper than {limits.MaxDepth} levels", Line(ss));
                    }

                    var seqNode = new SequenceNode(Line(ss));
                    if (!ss.Anchor.IsEmpty)
                    {
                        anchors[ss.Anchor.Value] = seqNode;
                    }

                    Attach(seqNode);
                    keyStack.Push(pendingKey);
                    pendingKey = null;
                    stack.Push(seqNode);
                    break;
                case MappingStart ms:
                    if (stack.Count >= limits.MaxDepth)
                    {
                        throw new YamlInputException($"YAML nesting deeper than {limits.MaxDepth} levels", Line(ms));
                    }

                    var mapNode = new MappingNode(Line(ms));
                    if (!ms.Anchor.IsEmpty)
                    {
                        anchors[ms.Anchor.Value] = mapNode;
                    }

                    Attach(mapNode);
                    keyStack.Push(pendingKey);
                    pendingKey = null;
                    stack.Push(mapNode);
                    break;
                case SequenceEnd or MappingEnd:
                    stack.Pop();
                    pendingKey = keyStack.Pop();
                    break;
                case AnchorAlias alias:
                    if (!anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new YamlInputException($"unknown YAML alias *{alias.Value.Value}", Line(alias));
                    }

                    if (stack.Contains(target))
                    {
                        throw new YamlInputException($"recursive YAML alias *{alias.Value.Value}", Line(alias));
                    }

                    Attach(new AliasNode(Line(alias), target));
                    break;
            }
        }

        return root;
    }

    /// <summary>Charges what an alias adds to the output; nodes written where they stand cost nothing.</summary>
    private static void Spend(ref long budget, Node node, bool aliased, int chars = 0)
    {
        if (aliased && (budget -= 1 + (chars / CharsPerNode)) < 0)
        {
            throw new YamlInputException(
                "YAML aliases expand to too many nodes (possible alias bomb, \"billion laughs\")", node.Line);
        }
    }

    private static void Write(Utf8JsonWriter w, Node node, int depth, bool aliased, ref long budget, LoadLimits limits)
    {
        if (node is AliasNode alias)
        {
            node = alias.Target;
            aliased = true;
        }

        Spend(ref budget, node, aliased, node is ScalarNode sc ? sc.Value.Length : 0);
        if (depth > limits.MaxDepth)
        {
            throw new YamlInputException($"YAML nesting deeper than {limits.MaxDepth} levels", node.Line);
        }

        switch (node)
        {
            case ScalarNode s:
                WriteScalar(w, s);
                break;
            case SequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Items)
                {
                    Write(w, item, depth + 1, aliased, ref budget, limits);
                }

                w.WriteEndArray();
                break;
            case MappingNode map:
                w.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                List<(MappingNode Map, bool Aliased)>? merges = null;
                foreach (var (k, v) in map.Entries)
                {
                    var key = KeyText(k);
                    if (key == "<<" && Resolve(k) is ScalarNode { Style: ScalarStyle.Plain })
                    {
                        merges ??= [];
                        CollectMerges(v, aliased, merges, ref budget);
                        continue;
                    }

                    if (!seen.Add(key))
                    {
                        throw new YamlInputException($"duplicate key \"{Truncate(key)}\" in a mapping", k.Line);
                    }

                    Spend(ref budget, k, aliased, key.Length);
                    w.WritePropertyName(key);
                    Write(w, v, depth + 1, aliased, ref budget, limits);
                }

                if (merges is not null)
                {
                    foreach (var (m, mergedAliased) in merges)
                    {
                        foreach (var (k, v) in m.Entries)
                        {
                            // Every merged key looked at costs, written or not: merging many copies of one big
                            // mapping writes little but could otherwise take unbounded time.
                            var key = KeyText(k);
                            Spend(ref budget, k, mergedAliased, key.Length);
                            if (key != "<<" && seen.Add(key))
                            {
                                w.WritePropertyName(key);
                                Write(w, v, depth + 1, mergedAliased, ref budget, limits);
                            }
                        }
                    }
                }

                w.WriteEndObject();
                break;
        }
    }

    private static void CollectMerges(Node v, bool aliased, List<(MappingNode, bool)> into, ref long budget)
    {
        if (v is AliasNode a)
        {
            v = a.Target;
            aliased = true;
        }

        switch (v)
        {
            case MappingNode m:
                into.Add((m, aliased));
                break;
            case SequenceNode s:
                foreach (var item in s.Items)
                {
                    Spend(ref budget, item, aliased || item is AliasNode);
                    if (Resolve(item) is MappingNode mi)
                    {
                        into.Add((mi, aliased || item is AliasNode));
                    }
                    else
                    {
                        throw new YamlInputException("merge key (<<) must refer to mappings", item.Line);
                    }
                }

                break;
            default:
                throw new YamlInputException("merge key (<<) must refer to a mapping", v.Line);
        }
    }

    private static string KeyText(Node k) => Resolve(k) switch
    {
        ScalarNode s when s.Style == ScalarStyle.Plain && IsNull(s) => "null",
        ScalarNode s when s.Style == ScalarStyle.Plain && ResolveBool(s.Value) is { } b => b ? "true" : "false",
        ScalarNode s => s.Value,
        _ => throw new YamlInputException("mapping keys must be scalars (a key is a list or a mapping)", k.Line),
    };

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";

    private static bool IsNull(ScalarNode s) =>
        s.Style == ScalarStyle.Plain && s.Tag is null or "tag:yaml.org,2002:null" && s.Value is "" or "~" or "null" or "Null" or "NULL";

    private static bool? ResolveBool(string v) => v switch
    {
        "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "y" or "Y" or "on" or "On" or "ON" => true,
        "false" or "False" or "FALSE" or "no" or "No" or "NO" or "n" or "N" or "off" or "Off" or "OFF" => false,
        _ => null,
    };

    private static void WriteScalar(Utf8JsonWriter w, ScalarNode s)
    {
        if (s.Tag is { } tag && tag != "?" && tag != "!")
        {
            switch (tag)
            {
                case "tag:yaml.org,2002:str":
                    w.WriteStringValue(s.Value);
                    return;
                case "tag:yaml.org,2002:null":
                    w.WriteNullValue();
                    return;
                case "tag:yaml.org,2002:bool" when ResolveBool(s.Value) is { } tb:
                    w.WriteBooleanValue(tb);
                    return;
                case "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float" when TryWriteNumber(w, s.Value):
                    return;
                default:
                    w.WriteStringValue(s.Value);
                    return;
            }
        }

        if (s.Style != ScalarStyle.Plain)
        {
            w.WriteStringValue(s.Value);
            return;
        }

        if (IsNull(s))
        {
            w.WriteNullValue();
            return;
        }

        if (ResolveBool(s.Value) is { } b)
        {
            w.WriteBooleanValue(b);
            return;
        }

        if (!TryWriteNumber(w, s.Value))
        {
            w.WriteStringValue(s.Value);
        }
    }

    /// <summary>go-yaml v2's float syntax, matched after underscores are removed.</summary>
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlFloat();

    /// <summary>
    /// Writes a plain scalar as a number when go-yaml v2 (what kubectl reads YAML with) would: underscores are
    /// dropped, then it is an integer as Go's ParseInt/ParseUint read it with base 0 (0x, 0o and 0b prefixes, a
    /// leading 0 for octal: 0644 is 420), else a float in YAML's syntax (1e3, 1.5, and also 089, which is no
    /// octal). Anything else (.inf, 1e400, 0xZZ) stays text.
    /// </summary>
    private static bool TryWriteNumber(Utf8JsonWriter w, string v)
    {
        if (v.Length == 0 || v.Length > 64)
        {
            return false;
        }

        var plain = v.Contains('_', StringComparison.Ordinal) ? v.Replace("_", "", StringComparison.Ordinal) : v;
        if (TryParseGoInteger(plain, out var negative, out var magnitude) && (!negative || magnitude <= (ulong)long.MaxValue + 1))
        {
            WriteInteger(w, negative, magnitude);
            return true;
        }

        if (YamlFloat().IsMatch(plain) &&
            double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            w.WriteNumberValue(d);
            return true;
        }

        return false;
    }

    private static bool TryParseGoInteger(string s, out bool negative, out ulong magnitude)
    {
        negative = false;
        magnitude = 0;
        var body = s.AsSpan();
        if (body.Length > 0 && body[0] is '+' or '-')
        {
            negative = body[0] == '-';
            body = body[1..];
        }

        var radix = 10u;
        if (body.Length >= 2 && body[0] == '0')
        {
            radix = body[1] switch
            {
                'x' or 'X' => 16u,
                'o' or 'O' => 8u,
                'b' or 'B' => 2u,
                _ => 0u, // a leading 0 alone: octal
            };
            body = radix == 0 ? body[1..] : body[2..];
            radix = radix == 0 ? 8u : radix;
        }

        if (body.IsEmpty)
        {
            return false;
        }

        foreach (var c in body)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => (uint)(c - '0'),
                >= 'a' and <= 'f' => (uint)(c - 'a' + 10),
                >= 'A' and <= 'F' => (uint)(c - 'A' + 10),
                _ => uint.MaxValue,
            };
            if (digit >= radix || magnitude > (ulong.MaxValue - digit) / radix)
            {
                return false;
            }

            magnitude = (magnitude * radix) + digit;
        }

        return true;
    }

    private static void WriteInteger(Utf8JsonWriter w, bool negative, ulong magnitude)
    {
        if (!negative)
        {
            w.WriteNumberValue(magnitude);
        }
        else if (magnitude <= (ulong)long.MaxValue + 1)
        {
            w.WriteNumberValue(magnitude == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)magnitude);
        }
        else
        {
            w.WriteStringValue("-" + magnitude.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Splits a multi-document YAML stream at "---" and "..." lines (column 0), so a broken document does not take
    /// the rest of the file with it. Lines may end with \n, \r\n or a lone \r; each chunk is rebuilt with \n
    /// (YAML normalises line breaks in content anyway), so line numbers stay right. Directives (%YAML) stay with
    /// the document they introduce, and chunks of only blank lines and comments are dropped.
    /// Yields (text, first line number).
    /// </summary>
    public static IEnumerable<(string Text, int FirstLine)> SplitDocuments(string text)
    {
        var sb = new StringBuilder();
        var start = 1;
        var lineNo = 0;
        var pos = 0;
        var content = false;   // the chunk has a "---" or a line other than blank, comment or directive
        var directive = false; // the chunk has a directive that the next "---" opens
        while (pos < text.Length || (pos == text.Length && lineNo == 0))
        {
            var end = text.AsSpan(pos).IndexOfAny('\n', '\r');
            string line;
            if (end < 0)
            {
                line = text[pos..];
                pos = text.Length + 1;
            }
            else
            {
                line = text.Substring(pos, end);
                pos += end + (text[pos + end] == '\r' && pos + end + 1 < text.Length && text[pos + end + 1] == '\n' ? 2 : 1);
            }

            lineNo++;
            var separator = Separator(line);
            if (separator == '-' && directive && !content)
            {
                sb.Append(line).Append('\n');
                content = true;
                continue;
            }

            if (separator != 0)
            {
                if (content || directive)
                {
                    yield return (sb.ToString(), start);
                }

                sb.Clear();
                content = directive = false;
                if (separator == '-')
                {
                    start = lineNo;
                    sb.Append(line).Append('\n');
                    content = true;
                }
                else
                {
                    start = lineNo + 1; // "..." ends a document; the next starts after it.
                }

                continue;
            }

            sb.Append(line).Append('\n');
            if (!content)
            {
                var t = line.AsSpan().TrimStart(" \t");
                if (line.StartsWith('%'))
                {
                    directive = true;
                }
                else if (!t.IsEmpty && t[0] != '#')
                {
                    content = true;
                }
            }
        }

        if (content || directive)
        {
            yield return (sb.ToString(), start);
        }
    }

    /// <summary>'-' for a document start line ("---" alone or before a space), '.' for a document end ("..."
    /// alone or before a comment), otherwise 0.</summary>
    private static char Separator(string line)
    {
        if (line.StartsWith("---", StringComparison.Ordinal))
        {
            return line.Length == 3 || line[3] is ' ' or '\t' ? '-' : (char)0;
        }

        if (line.StartsWith("...", StringComparison.Ordinal))
        {
            var rest = line.AsSpan(3).TrimStart(" \t");
            return line.Length == 3 || (line[3] is ' ' or '\t' && (rest.IsEmpty || rest[0] == '#')) ? '.' : (char)0;
        }

        return (char)0;
    }
}
