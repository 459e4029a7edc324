using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Loading;

/// <summary>What the loader produced: a snapshot (possibly partial) and every input error, file and line.</summary>
public sealed class LoadResult : IDisposable
{
    private readonly List<JsonDocument> _documents;

    internal LoadResult(ClusterSnapshot snapshot, IReadOnlyList<InputError> errors, List<JsonDocument> documents, int files)
    {
        Snapshot = snapshot;
        Errors = errors;
        _documents = documents;
        FilesRead = files;
    }

    public ClusterSnapshot Snapshot { get; }
    public IReadOnlyList<InputError> Errors { get; }
    public int FilesRead { get; }

    public void Dispose()
    {
        foreach (var d in _documents)
        {
            d.Dispose();
        }

        _documents.Clear();
    }
}

/// <summary>
/// Loads manifests (YAML/JSON files and folders, multi-document YAML, kind: List, kubectl and Helm output) or one
/// ClusterSnapshot document (plain or gzip). Bad input never throws: each problem becomes an
/// <see cref="InputError"/> naming the file and line, and every other file is still loaded.
/// </summary>
public sealed class InputLoader(LoadLimits? limits = null)
{
    public const string SnapshotApiVersion = "kubeharden.io/v1";
    public const string SnapshotKind = "ClusterSnapshot";

    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json", ".gz"];
    private readonly LoadLimits _limits = limits ?? LoadLimits.Default;

    private sealed class State
    {
        public List<KubeObject> Objects { get; } = [];
        public List<InputError> Errors { get; } = [];
        public List<JsonDocument> Documents { get; } = [];
        public ClusterSnapshot? Snapshot { get; set; }
        public string? SnapshotFile { get; set; }
        public int Files { get; set; }
    }

    public LoadResult Load(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var state = new State();
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(path))
            {
                var files = EnumerateDirectory(path, state);
                if (files.Count == 0)
                {
                    state.Errors.Add(new InputError(path, null, "no .yaml, .yml or .json files found in this folder"));
                }

                foreach (var file in files)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    LoadFile(file, state);
                }
            }
            else if (File.Exists(path))
            {
                LoadFile(path, state);
            }
            else
            {
                state.Errors.Add(new InputError(path, null, "no such file or folder"));
            }
        }

        if (state.Snapshot is not null && state.Objects.Count > 0)
        {
            state.Errors.Add(new InputError(state.SnapshotFile!, null,
                "a ClusterSnapshot cannot be combined with other manifests in one scan; the manifests were ignored"));
        }

        var snapshot = state.Snapshot ?? ClusterSnapshot.FromManifests(state.Objects);
        return new LoadResult(snapshot, state.Errors, state.Documents, state.Files);
    }

    /// <summary>Loads YAML or JSON text held in memory (used by tests and by uploads).</summary>
    public LoadResult LoadText(string name, string content)
    {
        var state = new State();
        LoadBytes(name, Encoding.UTF8.GetBytes(content), state);
        var snapshot = state.Snapshot ?? ClusterSnapshot.FromManifests(state.Objects);
        return new LoadResult(snapshot, state.Errors, state.Documents, 1);
    }

    private static List<string> EnumerateDirectory(string root, State state)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        };
        var result = new List<string>();
        try
        {
            foreach (var f in Directory.EnumerateFiles(root, "*", options))
            {
                if (ManifestExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                {
                    result.Add(f);
                }
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            state.Errors.Add(new InputError(root, null, "cannot read folder: " + ex.Message));
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private void LoadFile(string path, State state)
    {
        state.Files++;
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (stream.CanSeek && stream.Length > _limits.MaxFileBytes)
            {
                state.Errors.Add(new InputError(path, null,
                    $"file is {Mb(stream.Length)}, over the {Mb(_limits.MaxFileBytes)} limit; not read"));
                return;
            }

            bytes = ReadBounded(stream, _limits.MaxFileBytes, out var over);
            if (over)
            {
                state.Errors.Add(new InputError(path, null, $"file is over the {Mb(_limits.MaxFileBytes)} limit; not read"));
                return;
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            state.Errors.Add(new InputError(path, null, "cannot read file: " + ex.Message));
            return;
        }

        LoadBytes(path, bytes, state);
    }

    private static string Mb(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MiB" : $"{bytes} bytes";

    private static byte[] ReadBounded(Stream stream, long limit, out bool over)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + n > limit)
            {
                over = true;
                return [];
            }

            ms.Write(buffer, 0, n);
        }

        over = false;
        return ms.ToArray();
    }

    private void LoadBytes(string path, byte[] bytes, State state)
    {
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                bytes = ReadBounded(gz, _limits.MaxDecompressedBytes, out var over);
                if (over)
                {
                    state.Errors.Add(new InputError(path, null,
                        $"gzip content expands beyond {Mb(_limits.MaxDecompressedBytes)} (possible gzip bomb); not read"));
                    return;
                }
            }
            catch (InvalidDataException ex)
            {
                state.Errors.Add(new InputError(path, null, "corrupt gzip data: " + ex.Message));
                return;
            }
        }

        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }
        else if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            state.Errors.Add(new InputError(path, null, "file is UTF-16 encoded; save it as UTF-8"));
            return;
        }

        var probe = span[..Math.Min(span.Length, 1 << 16)];
        if (probe.IndexOf((byte)0) >= 0 || !Utf8.IsValid(span))
        {
            state.Errors.Add(new InputError(path, FirstBadLine(span),
                "binary or non-UTF-8 content; expected YAML or JSON text"));
            return;
        }

        var first = FirstNonSpace(span);
        if (first < 0)
        {
            return; // An empty file is not an error: nothing to scan in it.
        }

        if (span[first] is (byte)'{' or (byte)'[')
        {
            LoadJson(path, bytes.AsMemory(bytes.Length - span.Length), state);
        }
        else
        {
            if (span.Length > _limits.MaxYamlBytes)
            {
                state.Errors.Add(new InputError(path, null,
                    $"YAML file is {Mb(span.Length)}, over the {Mb(_limits.MaxYamlBytes)} YAML limit; convert it to JSON or split it"));
                return;
            }

            LoadYaml(path, Encoding.UTF8.GetString(span), state);
        }
    }

    private static int FirstBadLine(ReadOnlySpan<byte> span)
    {
        var nul = span.IndexOf((byte)0);
        var end = nul >= 0 ? nul : span.Length;
        for (var i = 0; i < end; i++)
        {
            if (!Utf8.IsValid(span[i..Math.Min(end, i + 4)]) && span[i] >= 0x80 && !Utf8.IsValid(span[..(i + 1)]))
            {
                end = i;
                break;
            }
        }

        return 1 + span[..end].Count((byte)'\n');
    }

    private static int FirstNonSpace(ReadOnlySpan<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return i;
            }
        }

        return -1;
    }

    private void LoadJson(string path, ReadOnlyMemory<byte> json, State state)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = _limits.MaxDepth, AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            state.Errors.Add(new InputError(path, (int?)(ex.LineNumber + 1), "invalid JSON: " + CleanJsonMessage(ex.Message)));
            return;
        }

        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            state.Errors.Add(new InputError(path, 1, "the JSON document is not an object, so not a Kubernetes object or List"));
            doc.Dispose();
            return;
        }

        state.Documents.Add(doc);
        if (IsSnapshot(root))
        {
            LoadSnapshot(path, root, json.Span, state);
            return;
        }

        var itemLines = IsList(root) ? ItemLines(json.Span, "items") : [];
        AddDocument(path, root, 1, itemLines, state);
    }

    private void LoadYaml(string path, string text, State state)
    {
        foreach (var (docText, firstLine) in YamlToJson.SplitDocuments(text))
        {
            YamlToJson.Converted converted;
            try
            {
                converted = YamlToJson.Convert(docText, firstLine, _limits);
            }
            catch (YamlToJson.YamlInputException ex)
            {
                state.Errors.Add(new InputError(path, ex.Line, ex.Message));
                continue;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or InsufficientExecutionStackException)
            {
                state.Errors.Add(new InputError(path, firstLine, "invalid YAML: " + ex.Message));
                continue;
            }

            if (converted.Json is null)
            {
                continue;
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(converted.Json, new JsonDocumentOptions { MaxDepth = _limits.MaxDepth + 8 });
            }
            catch (JsonException ex)
            {
                state.Errors.Add(new InputError(path, converted.Line, "YAML document could not be represented as JSON: " + CleanJsonMessage(ex.Message)));
                continue;
            }

            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                state.Errors.Add(new InputError(path, converted.Line,
                    root.ValueKind == JsonValueKind.Array
                        ? "document is a YAML list, not a Kubernetes object (use kind: List with items)"
                        : "document is a plain value, not a Kubernetes object"));
                doc.Dispose();
                continue;
            }

            state.Documents.Add(doc);
            if (IsSnapshot(root))
            {
                LoadSnapshot(path, root, default, state);
                continue;
            }

            AddDocument(path, root, converted.Line, converted.ItemLines, state);
        }
    }

    private static string CleanJsonMessage(string message)
    {
        var i = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return i > 0 ? message[..i].TrimEnd('.', ' ') : message;
    }

    private static bool IsSnapshot(JsonElement root) =>
        root.Str("kind") == SnapshotKind;

    private static bool IsList(JsonElement root)
    {
        var kind = root.Str("kind");
        return kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && root.Get("items").ValueKind == JsonValueKind.Array;
    }

    private static void AddDocument(string path, JsonElement root, int line, IReadOnlyList<int> itemLines, State state)
    {
        if (IsList(root))
        {
            var listKind = root.Str("kind")!;
            var itemKind = listKind == "List" ? null : listKind[..^4];
            var i = 0;
            foreach (var item in root.Get("items").EnumerateArray())
            {
                var itemLine = i < itemLines.Count ? itemLines[i] : line;
                i++;
                if (item.ValueKind != JsonValueKind.Object)
                {
                    state.Errors.Add(new InputError(path, itemLine, $"item {i - 1} of the {listKind} is not an object"));
                    continue;
                }

                // Typed lists from the API (e.g. PodList) leave apiVersion/kind off their items.
                AddObject(path, item, itemLine, state, itemKind, root.Str("apiVersion"));
            }

            return;
        }

        AddObject(path, root, line, state, null, null);
    }

    private static void AddObject(string path, JsonElement e, int line, State state, string? defaultKind, string? defaultApiVersion)
    {
        var kind = e.Get("kind");
        var apiVersion = e.Get("apiVersion");
        if (kind.ValueKind != JsonValueKind.String && defaultKind is null)
        {
            state.Errors.Add(new InputError(path, line, "not a Kubernetes object: missing or non-string \"kind\""));
            return;
        }

        if (apiVersion.ValueKind != JsonValueKind.String && defaultApiVersion is null)
        {
            state.Errors.Add(new InputError(path, line, "not a Kubernetes object: missing or non-string \"apiVersion\""));
            return;
        }

        var metadata = e.Get("metadata");
        if ((metadata.ValueKind != JsonValueKind.Object ||
             (metadata.Get("name").ValueKind != JsonValueKind.String && metadata.Get("generateName").ValueKind != JsonValueKind.String)) &&
            !IsAuditPolicy(e))
        {
            state.Errors.Add(new InputError(path, line,
                $"{kind.Str() ?? defaultKind} has no metadata.name; cannot identify the object"));
            return;
        }

        var obj = new KubeObject(e, new SourceLocation(path, line));
        if ((obj.Kind.Length == 0 && defaultKind is not null) || (obj.ApiVersion.Length == 0 && defaultApiVersion is not null))
        {
            obj = KubeObjectWithDefaults(e, path, line, defaultKind, defaultApiVersion);
        }

        state.Objects.Add(obj);
    }

    /// <summary>An API server audit policy file (KH-LOG-003): a config document that normally carries no metadata.</summary>
    private static bool IsAuditPolicy(JsonElement e) =>
        e.Str("kind") == "Policy" && e.Str("apiVersion") is { } v && v.StartsWith("audit.k8s.io/", StringComparison.Ordinal);

    private static KubeObject KubeObjectWithDefaults(JsonElement e, string path, int line, string? kind, string? apiVersion)
    {
        // Rare path (typed list items): re-serialise with the list's kind and apiVersion filled in.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (e.Get("apiVersion").ValueKind != JsonValueKind.String && apiVersion is not null)
            {
                w.WriteString("apiVersion", apiVersion);
            }

            if (e.Get("kind").ValueKind != JsonValueKind.String && kind is not null)
            {
                w.WriteString("kind", kind);
            }

            foreach (var p in e.EnumerateObject())
            {
                p.WriteTo(w);
            }

            w.WriteEndObject();
        }

        var doc = JsonDocument.Parse(buffer.WrittenMemory.ToArray());
        return new KubeObject(doc.RootElement, new SourceLocation(path, line));
    }

    /// <summary>1-based start line of each element of the root object's array property, in one forward pass.</summary>
    internal static List<int> ItemLines(ReadOnlySpan<byte> json, string property)
    {
        var lines = new List<int>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 512 });
        var line = 1;
        long counted = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(property))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = reader.TokenStartIndex;
                        line += json[(int)counted..(int)start].Count((byte)'\n');
                        counted = start;
                        lines.Add(line);
                        reader.Skip();
                    }
                }
                else if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // The document already parsed; a failure here only loses line numbers.
        }

        return lines;
    }

    private void LoadSnapshot(string path, JsonElement root, ReadOnlySpan<byte> json, State state)
    {
        if (state.Snapshot is not null)
        {
            state.Errors.Add(new InputError(path, 1, $"only one ClusterSnapshot per scan; {state.SnapshotFile} was already loaded"));
            return;
        }

        var apiVersion = root.Str("apiVersion");
        if (apiVersion != SnapshotApiVersion)
        {
            state.Errors.Add(new InputError(path, 1,
                $"unsupported ClusterSnapshot apiVersion \"{apiVersion}\"; this engine reads {SnapshotApiVersion}"));
            return;
        }

        var objectsEl = root.Get("objects");
        if (objectsEl.ValueKind != JsonValueKind.Array)
        {
            state.Errors.Add(new InputError(path, 1, "ClusterSnapshot has no \"objects\" array"));
            return;
        }

        var lines = json.IsEmpty ? [] : ItemLines(json, "objects");
        var objects = new List<KubeObject>(objectsEl.GetArrayLength());
        var i = 0;
        foreach (var o in objectsEl.EnumerateArray())
        {
            int? line = i < lines.Count ? lines[i] : null;
            i++;
            if (o.ValueKind != JsonValueKind.Object ||
                o.Get("kind").ValueKind != JsonValueKind.String || o.Get("apiVersion").ValueKind != JsonValueKind.String)
            {
                state.Errors.Add(new InputError(path, line, $"objects[{i - 1}] is not a Kubernetes object (needs apiVersion and kind)"));
                continue;
            }

            objects.Add(new KubeObject(o, new SourceLocation(path, line)));
        }

        var cluster = root.Get("cluster");
        var collector = cluster.Get("collector");
        DateTimeOffset? collectedAt = DateTimeOffset.TryParse(cluster.Str("collectedAt"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        var visibility = root.Get("controlPlane").Str("visibility") is "managed" ? ControlPlaneVisibility.Managed : ControlPlaneVisibility.Auto;
        var info = new ClusterInfo(
            cluster.Str("name") ?? Path.GetFileNameWithoutExtension(path),
            cluster.Get("serverVersion").Str("gitVersion") ?? cluster.Str("serverVersion"),
            cluster.Str("provider"),
            collectedAt,
            collector.Str("mode"),
            collector.Str("version"),
            visibility);

        var coverage = new List<CoverageEntry>();
        foreach (var c in root.Get("coverage").Items())
        {
            var resource = c.Str("resource");
            if (resource is null)
            {
                continue;
            }

            var group = c.Str("group");
            var key = string.IsNullOrEmpty(group) ? resource : resource + "." + group;
            coverage.Add(new CoverageEntry(key, ParseCoverage(c.Str("status")), c.Long("count"), c.Str("message")));
        }

        var nodes = new List<NodeKubeletConfig>();
        foreach (var n in root.Get("nodes").Items())
        {
            var cfg = n.Get("kubeletConfig");
            if (cfg.Get("kubeletconfig").ValueKind == JsonValueKind.Object)
            {
                cfg = cfg.Get("kubeletconfig"); // accept the raw /configz envelope too
            }

            var status = n.Get("status").Exists() ? ParseCoverage(n.Str("status"))
                : cfg.ValueKind == JsonValueKind.Object ? CoverageStatus.Collected : CoverageStatus.NotCollected;
            nodes.Add(new NodeKubeletConfig(n.Str("name") ?? "", status, cfg, n.Str("message")));
        }

        int? probe = root.Get("probes").Get("anonymousApi").Long() is { } p ? (int)p : null;
        state.Snapshot = new ClusterSnapshot(SnapshotMode.Cluster, info, objects, coverage, nodes, probe);
        state.SnapshotFile = path;
    }

    private static CoverageStatus ParseCoverage(string? s) => s?.ToLowerInvariant() switch
    {
        "collected" => CoverageStatus.Collected,
        "forbidden" => CoverageStatus.Forbidden,
        "notfound" or "not_found" or "not found" => CoverageStatus.NotFound,
        "error" => CoverageStatus.Error,
        _ => CoverageStatus.NotCollected,
    };
}
