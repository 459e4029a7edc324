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

    /// <summary>Result of converting one document: JSON bytes (null for an empty document) and item start lines.</summary>
    internal sealed record Converted(byte[]? Json, int Line, IReadOnlyList<int> ItemLines);

    /// <summary>Parses <paramref name="text"/> (exactly one YAML document); lines are offset by <paramref name="firstLine"/>.</summary>
    public static Converted Convert(string text, int firstLine, LoadLimits limits)
    {
        Node? root;
        try
        {
            root = Parse(text, firstLine, limits);
        }
        catch (YamlException ex)
        {
            var line = ex.Start.Line > 0 ? firstLine + (int)ex.Start.Line - 1 : firstLine;
            throw new YamlInputException("invalid YAML: " + Clean(ex.Message), line);
        }

        if (root is null || (root is ScalarNode s0 && IsNull(s0)))
        {
            return new Converted(null, firstLine, []);
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, text.Length));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = limits.MaxDepth + 8 }))
        {
            long budget = limits.MaxYamlExpandedNodes;
            Write(writer, root, 0, ref budget, limits);
        }

        var itemLines = new List<int>();
        if (root is MappingNode rootMap)
        {
            foreach (var (k, v) in rootMap.Entries)
            {
                if (k is ScalarNode { Value: "items" } && v is SequenceNode seq)
                {
                    foreach (var item in seq.Items)
                    {
                        itemLines.Add(item.Line);
                    }
                }
            }
        }

        return new Converted(buffer.WrittenSpan.ToArray(), root.Line, itemLines);
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (Line...): "; we report the line ourselves.
        var i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return i >= 0 ? message[(i + 3)..] : message;
    }

    private static Node? Parse(string text, int firstLine, LoadLimits limits)
    {
        var parser = new Parser(new StringReader(text));
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

                    Attach(target);
                    break;
            }
        }

        return root;
    }

    private static void Spend(ref long budget, Node node)
    {
        if (--budget < 0)
        {
            throw new YamlInputException(
                "YAML aliases expand to too many nodes (possible alias bomb, \"billion laughs\")", node.Line);
        }
    }

    private static void Write(Utf8JsonWriter w, Node node, int depth, ref long budget, LoadLimits limits)
    {
        Spend(ref budget, node);
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
                    Write(w, item, depth + 1, ref budget, limits);
                }

                w.WriteEndArray();
                break;
            case MappingNode map:
                w.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                List<MappingNode>? merges = null;
                foreach (var (k, v) in map.Entries)
                {
                    var key = KeyText(k);
                    if (key == "<<" && k is ScalarNode { Style: ScalarStyle.Plain })
                    {
                        merges ??= [];
                        CollectMerges(v, merges);
                        continue;
                    }

                    if (!seen.Add(key))
                    {
                        throw new YamlInputException($"duplicate key \"{Truncate(key)}\" in a mapping", k.Line);
                    }

                    w.WritePropertyName(key);
                    Write(w, v, depth + 1, ref budget, limits);
                }

                if (merges is not null)
                {
                    foreach (var m in merges)
                    {
                        foreach (var (k, v) in m.Entries)
                        {
                            var key = KeyText(k);
                            if (key != "<<" && seen.Add(key))
                            {
                                w.WritePropertyName(key);
                                Write(w, v, depth + 1, ref budget, limits);
                            }
                        }
                    }
                }

                w.WriteEndObject();
                break;
        }
    }

    private static void CollectMerges(Node v, List<MappingNode> into)
    {
        switch (v)
        {
            case MappingNode m:
                into.Add(m);
                break;
            case SequenceNode s:
                foreach (var item in s.Items)
                {
                    if (item is MappingNode mi)
                    {
                        into.Add(mi);
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

    private static string KeyText(Node k) => k switch
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

    [GeneratedRegex(@"^[-+]?[0-9][0-9_]*$")]
    private static partial Regex DecimalInt();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRe();

    private static bool TryWriteNumber(Utf8JsonWriter w, string v)
    {
        if (v.Length == 0 || v.Length > 64)
        {
            return false;
        }

        var neg = v[0] == '-';
        var body = v[0] is '-' or '+' ? v[1..] : v;

        if (body.StartsWith("0x", StringComparison.Ordinal) && body.Length > 2 &&
            ulong.TryParse(body[2..].Replace("_", ""), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
        {
            WriteInteger(w, neg, hex);
            return true;
        }

        if (body.StartsWith("0b", StringComparison.Ordinal) && body.Length > 2)
        {
            try
            {
                WriteInteger(w, neg, System.Convert.ToUInt64(body[2..].Replace("_", ""), 2));
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        if (DecimalInt().IsMatch(v))
        {
            var digits = body.Replace("_", "");
            if (digits.Length > 1 && digits[0] == '0')
            {
                // YAML 1.1: a leading zero means octal (0644 -> 420), as Kubernetes reads defaultMode.
                if (digits.All(c => c is >= '0' and <= '7'))
                {
                    try
                    {
                        WriteInteger(w, neg, System.Convert.ToUInt64(digits, 8));
                        return true;
                    }
                    catch (OverflowException)
                    {
                        return false;
                    }
                }

                return false;
            }

            if (ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var dec))
            {
                WriteInteger(w, neg, dec);
                return true;
            }

            return false;
        }

        if (body is ".inf" or ".Inf" or ".INF" or ".nan" or ".NaN" or ".NAN")
        {
            return false; // JSON cannot carry these; keep the text.
        }

        if (FloatRe().IsMatch(v) && v.Contains('.', StringComparison.Ordinal) || (FloatRe().IsMatch(v) && (v.Contains('e') || v.Contains('E'))))
        {
            if (double.TryParse(v.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            {
                w.WriteNumberValue(d);
                return true;
            }
        }

        return false;
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
    /// Splits a multi-document YAML stream at "---" lines (column 0), so a broken document does not take the
    /// rest of the file with it. Yields (text, first line number).
    /// </summary>
    public static IEnumerable<(string Text, int FirstLine)> SplitDocuments(string text)
    {
        var sb = new StringBuilder();
        var start = 1;
        var lineNo = 0;
        var pos = 0;
        while (pos < text.Length || (pos == text.Length && lineNo == 0))
        {
            var nl = text.IndexOf('\n', pos);
            var line = nl < 0 ? text[pos..] : text[pos..nl];
            pos = nl < 0 ? text.Length + 1 : nl + 1;
            lineNo++;
            if (IsSeparator(line))
            {
                if (sb.Length > 0)
                {
                    yield return (sb.ToString(), start);
                }

                sb.Clear();
                start = lineNo;
                if (line.StartsWith("---", StringComparison.Ordinal))
                {
                    sb.Append(line).Append('\n');
                }
                else
                {
                    start = lineNo + 1; // "..." ends a document; the next starts after it.
                }

                continue;
            }

            sb.Append(line).Append('\n');
            if (nl < 0)
            {
                break;
            }
        }

        if (sb.Length > 0)
        {
            yield return (sb.ToString(), start);
        }
    }

    private static bool IsSeparator(string line)
    {
        var l = line.TrimEnd('\r');
        if (l.StartsWith("---", StringComparison.Ordinal))
        {
            return l.Length == 3 || l[3] is ' ' or '\t';
        }

        return l == "...";
    }
}
