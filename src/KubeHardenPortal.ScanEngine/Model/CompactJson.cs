using System.Buffers;
using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>
/// A read-only JSON value in the engine's compact document model: the subset of <see cref="JsonElement"/>'s API the
/// checks use, over a tree of 8-byte nodes whose strings are interned once per load.
/// </summary>
/// <remarks>
/// Why not <see cref="JsonDocument"/>: it keeps the UTF-8 text and a 12-byte row per token, ≈ 2.8× the input for
/// Kubernetes JSON, and every <c>GetString()</c> allocates. Kubernetes objects repeat the same keys and values (a
/// Deployment, its ReplicaSets and Pods share nearly every string), so interning makes the model smaller than the text
/// and string reads free (docs/benchmarks.md).
/// </remarks>
public readonly struct CompactJson : IEquatable<CompactJson>
{
    private readonly CompactJsonDocument? _doc;
    private readonly int _index;

    internal CompactJson(CompactJsonDocument doc, int index)
    {
        _doc = doc;
        _index = index;
    }

    public JsonValueKind ValueKind => _doc is null ? JsonValueKind.Undefined : (JsonValueKind)(_doc.Nodes[_index].Head & CompactJsonDocument.KindMask);

    public string? GetString() => ValueKind switch
    {
        JsonValueKind.String => _doc!.Strings[_doc.Nodes[_index].Value],
        JsonValueKind.Null => null,
        var k => throw new InvalidOperationException($"the value is {k}, not a string"),
    };

    public bool GetBoolean() => ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        var k => throw new InvalidOperationException($"the value is {k}, not a boolean"),
    };

    public bool TryGetInt64(out long value)
    {
        value = 0;
        return ValueKind == JsonValueKind.Number &&
               long.TryParse(NumberText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    public bool TryGetDouble(out double value)
    {
        value = 0;
        return ValueKind == JsonValueKind.Number &&
               double.TryParse(NumberText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value) &&
               double.IsFinite(value);
    }

    public long GetInt64() => TryGetInt64(out var l) ? l : throw new FormatException("the value is not a 64-bit integer");

    public int GetInt32() => TryGetInt64(out var l) && l is >= int.MinValue and <= int.MaxValue
        ? (int)l
        : throw new FormatException("the value is not a 32-bit integer");

    /// <summary>The array item at <paramref name="index"/> (linear in the index: for tests and small arrays).</summary>
    public CompactJson this[int index]
    {
        get
        {
            var i = 0;
            foreach (var item in EnumerateArray())
            {
                if (i++ == index)
                {
                    return item;
                }
            }

            throw new IndexOutOfRangeException($"index {index} is outside an array of {GetArrayLength()}");
        }
    }

    public double GetDouble() => TryGetDouble(out var d) ? d : throw new FormatException("the value is not a finite number");

    private string NumberText => _doc!.Strings[_doc.Nodes[_index].Value];

    public int GetArrayLength()
    {
        if (ValueKind != JsonValueKind.Array)
        {
            throw new InvalidOperationException($"the value is {ValueKind}, not an array");
        }

        var n = 0;
        for (var p = _index + 1; p < _doc!.Nodes[_index].Value; p = _doc.Next(p))
        {
            n++;
        }

        return n;
    }

    /// <summary>Like <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>: the last of duplicate names wins.</summary>
    public bool TryGetProperty(string name, out CompactJson value) => TryGetProperty(name.AsSpan(), out value);

    /// <inheritdoc cref="TryGetProperty(string, out CompactJson)"/>
    public bool TryGetProperty(ReadOnlySpan<char> name, out CompactJson value)
    {
        value = default;
        if (ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"the value is {ValueKind}, not an object");
        }

        var doc = _doc!;
        var nodes = doc.Nodes;
        var strings = doc.Strings;
        var head = nodes[_index].Head;
        var end = nodes[_index].Value;
        var hasDuplicates = (head & CompactJsonDocument.DuplicateFlag) != 0;
        var found = -1;
        for (var p = _index + 1; p < end; p = doc.Next(p))
        {
            if (name.SequenceEqual(strings[CompactJsonDocument.KeyOf(nodes[p])]))
            {
                found = p;
                if (!hasDuplicates)
                {
                    break;
                }
            }
        }

        if (found < 0)
        {
            return false;
        }

        value = doc.At(found);
        return true;
    }

    public CompactJson GetProperty(string name) =>
        TryGetProperty(name, out var v) ? v : throw new KeyNotFoundException($"no property \"{name}\"");

    public ArrayEnumerator EnumerateArray() => ValueKind == JsonValueKind.Array
        ? new ArrayEnumerator(_doc!, _index)
        : throw new InvalidOperationException($"the value is {ValueKind}, not an array");

    public ObjectEnumerator EnumerateObject() => ValueKind == JsonValueKind.Object
        ? new ObjectEnumerator(_doc!, _index)
        : throw new InvalidOperationException($"the value is {ValueKind}, not an object");

    /// <summary>The value is immutable and owns nothing to dispose, so a clone is the value itself.</summary>
    public CompactJson Clone() => this;

    /// <summary>Compact JSON text (numbers as written, strings re-escaped minimally).</summary>
    public string GetRawText()
    {
        switch (ValueKind)
        {
            case JsonValueKind.Undefined:
                throw new InvalidOperationException("the value is undefined");
            case JsonValueKind.Number:
                // Numbers are kept as their interned source text, which is exactly what the writer would copy out.
                return NumberText;
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            case JsonValueKind.Null:
                return "null";
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteTo(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        MaxDepth = 4096,
    };

    public void WriteTo(Utf8JsonWriter w)
    {
        switch (ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in EnumerateObject())
                {
                    w.WritePropertyName(p.Name);
                    p.Value.WriteTo(w);
                }

                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in EnumerateArray())
                {
                    item.WriteTo(w);
                }

                w.WriteEndArray();
                break;
            case JsonValueKind.String:
                w.WriteStringValue(GetString());
                break;
            case JsonValueKind.Number:
                w.WriteRawValue(NumberText, skipInputValidation: true);
                break;
            case JsonValueKind.True:
                w.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                w.WriteBooleanValue(false);
                break;
            case JsonValueKind.Null:
                w.WriteNullValue();
                break;
            default:
                throw new InvalidOperationException("the value is undefined");
        }
    }

    public override string ToString() => ValueKind switch
    {
        JsonValueKind.Undefined => "",
        JsonValueKind.String => GetString()!,
        _ => GetRawText(),
    };

    /// <summary>Identity: the same node of the same document.</summary>
    public bool Equals(CompactJson other) => ReferenceEquals(_doc, other._doc) && _index == other._index;

    public override bool Equals(object? obj) => obj is CompactJson other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(_doc), _index);

    public static bool operator ==(CompactJson left, CompactJson right) => left.Equals(right);

    public static bool operator !=(CompactJson left, CompactJson right) => !left.Equals(right);

    /// <summary>Parses JSON text (strict: no comments, no trailing commas) into a document with its own string table.</summary>
    public static CompactJson Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Parses UTF-8 JSON into a document; strings are interned into <paramref name="strings"/> when given.</summary>
    public static CompactJson Parse(ReadOnlySpan<byte> utf8, JsonStringTable? strings = null, int maxDepth = 64) =>
        Parse(utf8, new JsonReaderOptions { MaxDepth = maxDepth }, strings);

    /// <summary>Parses UTF-8 JSON with explicit reader options (e.g. comments and trailing commas in embedded config files).</summary>
    public static CompactJson Parse(ReadOnlySpan<byte> utf8, JsonReaderOptions options, JsonStringTable? strings = null)
    {
        var reader = new Utf8JsonReader(utf8, options);
        if (!reader.Read())
        {
            throw new JsonException("empty JSON input");
        }

        var builder = new CompactJsonBuilder(strings ?? new JsonStringTable(), splitTopLevelArrays: false);
        var value = builder.Build(ref reader);
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the JSON value at byte {reader.TokenStartIndex}");
        }

        return value;
    }

    /// <summary>Copies a <see cref="JsonElement"/> into the compact model (used for small inputs and tests).</summary>
    public static CompactJson From(JsonElement element, JsonStringTable? strings = null)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            return default;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = 4096 }))
        {
            element.WriteTo(w);
        }

        return Parse(buffer.WrittenSpan, strings, maxDepth: 4096);
    }

    /// <summary>Walks the children of one container node (array items, or object members with their names).</summary>
    private struct ChildCursor
    {
        private readonly CompactJsonDocument? _doc;
        private readonly int _first;
        private readonly int _end;
        private int _next;

        public ChildCursor(CompactJsonDocument doc, int index)
        {
            _doc = doc;
            _first = index + 1;
            _end = doc.Nodes[index].Value;
            _next = _first;
            Current = -1;
        }

        public readonly CompactJsonDocument? Doc => _doc;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            if (_doc is null || _next >= _end)
            {
                return false;
            }

            Current = _next;
            _next = _doc.Next(Current);
            return true;
        }

        public void Reset()
        {
            Current = -1;
            _next = _first;
        }
    }

    public struct ArrayEnumerator : IEnumerable<CompactJson>, IEnumerator<CompactJson>
    {
        private ChildCursor _cursor;

        internal ArrayEnumerator(CompactJsonDocument doc, int index) => _cursor = new ChildCursor(doc, index);

        public readonly CompactJson Current => _cursor.Current < 0 ? default : _cursor.Doc!.At(_cursor.Current);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => _cursor.MoveNext();

        public void Reset() => _cursor.Reset();

        public readonly void Dispose()
        {
        }

        public readonly ArrayEnumerator GetEnumerator()
        {
            var copy = this;
            copy.Reset();
            return copy;
        }

        readonly IEnumerator<CompactJson> IEnumerable<CompactJson>.GetEnumerator() => GetEnumerator();

        readonly IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    public struct ObjectEnumerator : IEnumerable<CompactProperty>, IEnumerator<CompactProperty>
    {
        private ChildCursor _cursor;

        internal ObjectEnumerator(CompactJsonDocument doc, int index) => _cursor = new ChildCursor(doc, index);

        public readonly CompactProperty Current => _cursor.Current < 0
            ? default
            : new CompactProperty(_cursor.Doc!.Strings[CompactJsonDocument.KeyOf(_cursor.Doc.Nodes[_cursor.Current])], _cursor.Doc.At(_cursor.Current));

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => _cursor.MoveNext();

        public void Reset() => _cursor.Reset();

        public readonly void Dispose()
        {
        }

        public readonly ObjectEnumerator GetEnumerator()
        {
            var copy = this;
            copy.Reset();
            return copy;
        }

        readonly IEnumerator<CompactProperty> IEnumerable<CompactProperty>.GetEnumerator() => GetEnumerator();

        readonly IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>One property of a <see cref="CompactJson"/> object.</summary>
public readonly record struct CompactProperty(string Name, CompactJson Value)
{
    public bool NameEquals(string name) => string.Equals(Name, name, StringComparison.Ordinal);
}

/// <summary>
/// Storage of one compact document: one 8-byte node per value, in document order. Head = kind (3 bits) |
/// duplicate-names flag (1 bit, objects) | 1 + the string id of the member's name (28 bits; 0 for array items and
/// the root), so an object member is a single node. Value = string id for strings and numbers, the end (exclusive)
/// of the subtree for containers, or the index of a detached document for a link.
/// </summary>
internal sealed class CompactJsonDocument(CompactJsonDocument.Node[] nodes, JsonStringTable strings, CompactJson[]? links)
{
    internal const int KindMask = 7;
    internal const int DuplicateFlag = 8;
    internal const int KeyShift = 4;

    /// <summary>Most distinct strings one table can name as keys (28 bits, minus "no key").</summary>
    internal const int MaxKeyId = (1 << 28) - 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int KeyOf(Node n) => (int)((uint)n.Head >> KeyShift) - 1;

    internal static int KeyBits(int keyId) => (keyId + 1) << KeyShift;

    /// <summary>Kind 0 (JSON has no "undefined" node): the value lives in its own document (see <see cref="Links"/>).</summary>
    internal const int LinkKind = 0;

    internal readonly record struct Node(int Head, int Value);

    public Node[] Nodes { get; } = nodes;

    public JsonStringTable Strings { get; } = strings;

    /// <summary>Items of large top-level arrays, each in a document of its own so no single array grows huge.</summary>
    public CompactJson[]? Links { get; } = links;

    /// <summary>The index after the value at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int i)
    {
        var n = Nodes[i];
        var kind = n.Head & KindMask;
        return kind is (int)JsonValueKind.Object or (int)JsonValueKind.Array ? n.Value : i + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CompactJson At(int i)
    {
        var n = Nodes[i];
        return (n.Head & KindMask) == LinkKind ? Links![n.Value] : new CompactJson(this, i);
    }
}

/// <summary>
/// Interned strings of one load. Ids are stable; the array only grows while documents are built, and readers of a
/// finished document only read ids it already holds, so reads need no lock once loading is done.
/// </summary>
public sealed class JsonStringTable
{
    private string[] _items;
    private int _count;
    private Dictionary<string, int>? _index;

    public JsonStringTable(int capacity = 16)
    {
        _items = new string[Math.Max(capacity, 4)];
        _index = new Dictionary<string, int>(Math.Max(capacity, 4), StringComparer.Ordinal);
        _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    internal string this[int id]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _items[id];
    }

    public int Count => _count;

    internal int Intern(ReadOnlySpan<char> value)
    {
        var lookup = Lookup();
        return lookup.TryGetValue(value, out var id) ? id : Add(value.ToString());
    }

    internal int Intern(string value)
    {
        Lookup();
        return _index!.TryGetValue(value, out var id) ? id : Add(value);
    }

    /// <summary>Interns UTF-8 text without allocating when the string is already known (the common case).</summary>
    internal int InternUtf8(ReadOnlySpan<byte> utf8)
    {
        // UTF-8 never decodes to more UTF-16 units than it has bytes; the scratch buffer is reused (a table is
        // filled by one thread) so nothing is zeroed or allocated per call.
        if (utf8.Length > _chars.Length)
        {
            _chars = new char[Math.Max(utf8.Length, _chars.Length * 2)];
        }

        var n = Encoding.UTF8.GetChars(utf8, _chars);
        return Intern(_chars.AsSpan(0, n));
    }

    private char[] _chars = new char[256];
    private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup()
    {
        if (_index is null)
        {
            _index = Reindex();
            _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        return _lookup;
    }

    /// <summary>Drops the lookup index once loading is done (it costs about as much as the strings); ids stay valid.</summary>
    public void Seal()
    {
        // The alternate lookup holds the dictionary too: both must go, or the index (about 9 MiB at 50k objects) stays alive.
        _index = null;
        _lookup = default;
    }

    private int Add(string value)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_count] = value;
        _index![value] = _count;
        return _count++;
    }

    private Dictionary<string, int> Reindex()
    {
        var d = new Dictionary<string, int>(_count, StringComparer.Ordinal);
        for (var i = 0; i < _count; i++)
        {
            d[_items[i]] = i;
        }

        return d;
    }
}

/// <summary>Builds compact documents from a <see cref="Utf8JsonReader"/> positioned on a value.</summary>
internal sealed class CompactJsonBuilder(JsonStringTable strings, bool splitTopLevelArrays)
{
    // Start small: most documents are one object (a few hundred nodes); the buffers double when needed and are reused.
    private CompactJsonDocument.Node[] _scratch = new CompactJsonDocument.Node[64];
    private CompactJsonDocument.Node[] _itemScratch = new CompactJsonDocument.Node[64];

    public CompactJson Build(ref Utf8JsonReader reader)
    {
        var links = splitTopLevelArrays ? new List<CompactJson>() : null;
        var count = 0;
        Value(ref reader, ref _scratch, ref count, depth: 0, rootOfObject: true, section: Section.None, links);
        var doc = new CompactJsonDocument(_scratch.AsSpan(0, count).ToArray(), strings, links?.ToArray());
        return new CompactJson(doc, 0);
    }

    /// <summary>
    /// A root object whose property values are already-built documents (a value) or lists of them (an array whose
    /// items are linked): how the streaming loader assembles a file it never held whole.
    /// </summary>
    public CompactJson AssembleRoot(IReadOnlyList<(string Name, CompactJson Value, List<CompactJson>? Items)> properties)
    {
        var links = new List<CompactJson>();
        var nodes = new List<CompactJsonDocument.Node>(properties.Count * 2 + 1) { default };
        var keys = new HashSet<int>();
        var duplicates = false;
        foreach (var (name, value, items) in properties)
        {
            var key = CheckedKey(strings.Intern(name));
            duplicates |= !keys.Add(key);
            if (items is null)
            {
                links.Add(value);
                nodes.Add(new CompactJsonDocument.Node(CompactJsonDocument.LinkKind | CompactJsonDocument.KeyBits(key), links.Count - 1));
                continue;
            }

            var at = nodes.Count;
            nodes.Add(default);
            foreach (var item in items)
            {
                links.Add(item);
                nodes.Add(new CompactJsonDocument.Node(CompactJsonDocument.LinkKind, links.Count - 1));
            }

            nodes[at] = new CompactJsonDocument.Node((int)JsonValueKind.Array | CompactJsonDocument.KeyBits(key), nodes.Count);
        }

        nodes[0] = new CompactJsonDocument.Node((int)JsonValueKind.Object | (duplicates ? CompactJsonDocument.DuplicateFlag : 0), nodes.Count);
        return new CompactJson(new CompactJsonDocument([.. nodes], strings, [.. links]), 0);
    }

    /// <summary>Thrown when a reader over a partial buffer runs out of data inside a value; the caller refills and retries.</summary>
    internal sealed class NeedMoreDataException : Exception
    {
        public static readonly NeedMoreDataException Instance = new();

        private NeedMoreDataException()
            : base("the buffer ends inside a JSON value")
        {
        }
    }

    private static bool Read(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            return true;
        }

        return reader.IsFinalBlock ? false : throw NeedMoreDataException.Instance;
    }

    private static void Skip(ref Utf8JsonReader reader)
    {
        if (!reader.TrySkip())
        {
            throw NeedMoreDataException.Instance;
        }
    }

    /// <summary>
    /// Builds the value the reader is on as a document of its own, leaving the reader after it. Over a partial
    /// buffer, throws <see cref="NeedMoreDataException"/> when the value is not all there (the reader is then
    /// unusable: restore a copy taken before the call).
    /// </summary>
    public CompactJson BuildFrom(ref Utf8JsonReader reader) => BuildItem(ref reader);

    private CompactJson BuildItem(ref Utf8JsonReader reader)
    {
        var count = 0;
        Value(ref reader, ref _itemScratch, ref count, depth: 0, rootOfObject: true, section: Section.None, links: null);
        return Place(_itemScratch.AsSpan(0, count));
    }

    // Items (snapshot objects, List items) share large node arrays ("slabs") instead of one array and one document
    // object each: 50,000 objects are then a handful of large arrays the GC neither scans (nodes hold no references)
    // nor moves, instead of 100,000 small objects it must mark and compact.
    private const int MaxSlabNodes = 1 << 20;
    private CompactJsonDocument? _slab;
    private int _slabUsed;

    private CompactJson Place(ReadOnlySpan<CompactJsonDocument.Node> nodes)
    {
        if (_slab is null || _slabUsed + nodes.Length > _slab.Nodes.Length)
        {
            // Grow from small (a manifest with two List items needs no megabytes) to 8 MiB slabs.
            var size = Math.Max(nodes.Length, _slab is null ? 256 : Math.Min(MaxSlabNodes, _slab.Nodes.Length * 2));
            _slab = new CompactJsonDocument(new CompactJsonDocument.Node[size], strings, null);
            _slabUsed = 0;
        }

        // Relocate: container nodes hold the (exclusive) end of their subtree as an index into the array.
        var offset = _slabUsed;
        var target = _slab.Nodes.AsSpan(offset, nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            var kind = n.Head & CompactJsonDocument.KindMask;
            target[i] = kind is (int)JsonValueKind.Object or (int)JsonValueKind.Array ? new CompactJsonDocument.Node(n.Head, n.Value + offset) : n;
        }

        _slabUsed += nodes.Length;
        return new CompactJson(_slab, offset);
    }

    private static int Append(ref CompactJsonDocument.Node[] nodes, ref int count, int head, int value)
    {
        if (count == nodes.Length)
        {
            Array.Resize(ref nodes, nodes.Length * 2);
        }

        nodes[count] = new CompactJsonDocument.Node(head, value);
        return count++;
    }

    /// <summary>Where in a Kubernetes object the value being built sits, for the parts the engine does not keep.</summary>
    private enum Section
    {
        None,
        Metadata,
        Status,
        ContainerStatuses,
        ContainerStatus,
    }

    /// <summary>
    /// Server bookkeeping no check reads, dropped while building so a large cluster's snapshot costs less memory:
    /// metadata.managedFields (often the largest part of an object) and resourceVersion; in status the conditions,
    /// pod addresses and start time, node image lists, and of each container status everything but its name and
    /// image (KH-IMG-003 matches scan reports by the running digest, imageID). README.md lists them.
    /// </summary>
    private static bool Dropped(Section section, string key) => section switch
    {
        Section.Metadata => key is "managedFields" or "resourceVersion",
        Section.Status => key is "conditions" or "podIP" or "podIPs" or "hostIP" or "hostIPs" or "startTime" or "images",
        Section.ContainerStatus => key is not ("name" or "image" or "imageID"),
        _ => false,
    };

    private void Value(ref Utf8JsonReader reader, ref CompactJsonDocument.Node[] nodes, ref int count, int depth, bool rootOfObject,
        Section section, List<CompactJson>? links, int keyBits = 0)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var at = Append(ref nodes, ref count, (int)JsonValueKind.Object | keyBits, 0);
                var members = 0;
                var duplicates = false;
                var first = at + 1;
                HashSet<int>? keys = null;
                while (Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
                {
                    var key = CheckedKey(InternString(ref reader));
                    var name = strings[key];
                    var inner = rootOfObject
                        ? name switch { "metadata" => Section.Metadata, "status" => Section.Status, _ => Section.None }
                        : section == Section.Status && name is "containerStatuses" or "initContainerStatuses" or "ephemeralContainerStatuses"
                            ? Section.ContainerStatuses
                            : Section.None;
                    if (Dropped(section, name))
                    {
                        Read(ref reader);
                        Skip(ref reader);
                        continue;
                    }

                    if (!duplicates && members > 0 && HasKey(nodes, first, count, key, members, ref keys))
                    {
                        duplicates = true;
                    }

                    Read(ref reader);
                    var memberKey = CompactJsonDocument.KeyBits(key);
                    if (links is not null && depth == 0 && reader.TokenType == JsonTokenType.StartArray)
                    {
                        DetachedArray(ref reader, ref nodes, ref count, links, memberKey);
                    }
                    else
                    {
                        Value(ref reader, ref nodes, ref count, depth + 1, rootOfObject: false, section: inner, links: null, memberKey);
                    }

                    members++;
                }

                nodes[at] = new CompactJsonDocument.Node(
                    (int)JsonValueKind.Object | (duplicates ? CompactJsonDocument.DuplicateFlag : 0) | keyBits, count);
                return;
            }
            case JsonTokenType.StartArray:
            {
                var at = Append(ref nodes, ref count, (int)JsonValueKind.Array | keyBits, 0);
                var items = section == Section.ContainerStatuses ? Section.ContainerStatus : Section.None;
                while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                {
                    Value(ref reader, ref nodes, ref count, depth + 1, rootOfObject: false, section: items, links: null);
                }

                nodes[at] = new CompactJsonDocument.Node((int)JsonValueKind.Array | keyBits, count);
                return;
            }
            case JsonTokenType.String:
                Append(ref nodes, ref count, (int)JsonValueKind.String | keyBits, InternString(ref reader));
                return;
            case JsonTokenType.Number:
                Append(ref nodes, ref count, (int)JsonValueKind.Number | keyBits,
                    strings.InternUtf8(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan));
                return;
            case JsonTokenType.True:
                Append(ref nodes, ref count, (int)JsonValueKind.True | keyBits, 0);
                return;
            case JsonTokenType.False:
                Append(ref nodes, ref count, (int)JsonValueKind.False | keyBits, 0);
                return;
            case JsonTokenType.Null:
                Append(ref nodes, ref count, (int)JsonValueKind.Null | keyBits, 0);
                return;
            default:
                throw new JsonException($"unexpected JSON token {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }

    /// <summary>A top-level array: every object item becomes its own document, linked from this one.</summary>
    private void DetachedArray(ref Utf8JsonReader reader, ref CompactJsonDocument.Node[] nodes, ref int count, List<CompactJson> links, int keyBits)
    {
        var at = Append(ref nodes, ref count, (int)JsonValueKind.Array | keyBits, 0);
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                links.Add(BuildItem(ref reader));
                Append(ref nodes, ref count, CompactJsonDocument.LinkKind, links.Count - 1);
            }
            else
            {
                Value(ref reader, ref nodes, ref count, 2, rootOfObject: false, section: Section.None, links: null);
            }
        }

        nodes[at] = new CompactJsonDocument.Node((int)JsonValueKind.Array | keyBits, count);
    }

    /// <summary>Key ids share the node's head with the kind bits; a table this large is hostile input.</summary>
    private static int CheckedKey(int id) =>
        id <= CompactJsonDocument.MaxKeyId ? id : throw new JsonException("more than 268 million distinct strings in one input");

    /// <summary>Whether <paramref name="key"/> was already written for the object whose first member is at <paramref name="first"/>.</summary>
    private static bool HasKey(CompactJsonDocument.Node[] nodes, int first, int end, int key, int members, ref HashSet<int>? keys)
    {
        if (members > 16)
        {
            // Hostile input can carry 100,000 keys in one object: a set of its own (per object, so nested objects
            // never invalidate it) instead of a quadratic walk.
            if (keys is null)
            {
                keys = [];
                for (var p = first; p < end; p = NextMember(nodes, p))
                {
                    keys.Add(CompactJsonDocument.KeyOf(nodes[p]));
                }
            }

            return !keys.Add(key);
        }

        for (var p = first; p < end; p = NextMember(nodes, p))
        {
            if (CompactJsonDocument.KeyOf(nodes[p]) == key)
            {
                return true;
            }
        }

        return false;
    }

    private static int NextMember(CompactJsonDocument.Node[] nodes, int p)
    {
        var kind = nodes[p].Head & CompactJsonDocument.KindMask;
        return kind is (int)JsonValueKind.Object or (int)JsonValueKind.Array ? nodes[p].Value : p + 1;
    }

    private int InternString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return strings.InternUtf8(reader.ValueSpan);
        }

        return strings.Intern(reader.GetString()!);
    }
}
