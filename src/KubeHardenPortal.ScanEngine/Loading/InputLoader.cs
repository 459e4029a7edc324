using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Loading;

/// <summary>What the loader produced: a snapshot (possibly partial) and every input error, file and line.</summary>
public sealed class LoadResult : IDisposable
{
    internal LoadResult(ClusterSnapshot snapshot, IReadOnlyList<InputError> errors, int files)
    {
        Snapshot = snapshot;
        Errors = errors;
        FilesRead = files;
    }

    public ClusterSnapshot Snapshot { get; }
    public IReadOnlyList<InputError> Errors { get; }
    public int FilesRead { get; }

    /// <summary>Nothing pooled is held any more (objects are compact documents owned by the GC); kept for callers' using blocks.</summary>
    public void Dispose()
    {
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

    private static readonly EnumerationOptions OneFolder = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    private sealed class State
    {
        public List<KubeObject> Objects { get; } = [];
        public List<InputError> Errors { get; } = [];
        /// <summary>One string table per load: objects of one cluster share most of their strings.</summary>
        public JsonStringTable Strings { get; } = new();
        public ClusterSnapshot? Snapshot { get; set; }
        public string? SnapshotFile { get; set; }
        public int Files { get; set; }
    }

    public LoadResult Load(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var state = new State();
        var loaded = new HashSet<string>(StringComparer.Ordinal); // a file named twice (or also via its folder) loads once
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(path))
            {
                var errorsBefore = state.Errors.Count;
                var files = EnumerateDirectory(path, state, cancellationToken);
                if (files.Count == 0 && state.Errors.Count == errorsBefore)
                {
                    state.Errors.Add(new InputError(path, null, "no .yaml, .yml or .json files found in this folder"));
                }

                foreach (var file in files)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (loaded.Add(Path.GetFullPath(file)))
                    {
                        LoadFile(file, state);
                    }
                }
            }
            else if (File.Exists(path))
            {
                if (loaded.Add(Path.GetFullPath(path)))
                {
                    LoadFile(path, state);
                }
            }
            else
            {
                state.Errors.Add(new InputError(path, null, "no such file or folder"));
            }
        }

        return Finish(state, state.Files);
    }

    /// <summary>Loads YAML or JSON text held in memory (used by tests and by uploads).</summary>
    /// <summary>Loads a stream (e.g. standard input: `helm template … | kubeharden scan -`) with the file size bound.</summary>
    public LoadResult LoadStream(string name, Stream stream)
    {
        var state = new State();
        byte[] bytes;
        try
        {
            // `kubectl get … -o json | kubeharden scan -`: a JSON object is parsed while it arrives; anything else
            // (YAML, gzip, an array) is read whole, starting with the bytes already taken from the pipe.
            var reader = new JsonStreamReader(stream, state.Strings, _limits.MaxDepth, _limits.StreamingBufferBytes) { MaxBytes = _limits.MaxFileBytes };
            if (reader.TryStart() && !(reader.AtEnd && reader.TotalBytes < _limits.StreamingThresholdBytes))
            {
                try
                {
                    AddStreamed(name, reader.Read(CancellationToken.None), reader, state);
                }
                catch (JsonStreamReader.StreamJsonException ex)
                {
                    state.Errors.Add(new InputError(name, (int?)Math.Min(ex.Line ?? 1, int.MaxValue), ex.Binary ? ex.Message : "invalid JSON: " + ex.Message));
                }

                return Finish(state, 1);
            }

            var head = reader.TakeBuffered();
            var over = false;
            var rest = reader.AtEnd ? [] : ReadBounded(stream, _limits.MaxFileBytes - head.Length, out over);
            if (over)
            {
                state.Errors.Add(new InputError(name, null, $"input is over the {Mb(_limits.MaxFileBytes)} limit; not read"));
                return Finish(state, 1);
            }

            bytes = rest.Length == 0 ? head : [.. head, .. rest];
        }
        catch (JsonStreamReader.LimitExceededException)
        {
            state.Errors.Add(new InputError(name, null, $"input is over the {Mb(_limits.MaxFileBytes)} limit; not read"));
            return Finish(state, 1);
        }
        catch (IOException ex)
        {
            state.Errors.Add(new InputError(name, null, "cannot read: " + ex.Message));
            return Finish(state, 1);
        }

        LoadBytesGuarded(name, bytes, state);
        return Finish(state, 1);
    }

    public LoadResult LoadText(string name, string content)
    {
        var state = new State();
        var size = Encoding.UTF8.GetByteCount(content);
        if (size > _limits.MaxFileBytes)
        {
            // The same bound as a file on disk, so an upload cannot go around it.
            state.Errors.Add(new InputError(name, null, $"input is {Mb(size)}, over the {Mb(_limits.MaxFileBytes)} limit; not read"));
            return Finish(state, 1);
        }

        LoadBytesGuarded(name, Encoding.UTF8.GetBytes(content), state);
        return Finish(state, 1);
    }

    private LoadResult Finish(State state, int files)
    {
        if (state.Snapshot is not null && state.Objects.Count > 0)
        {
            var sources = state.Objects.Select(o => o.Source?.File).Distinct().ToList();
            var named = string.Join(", ", sources.Take(3)) + (sources.Count > 3 ? $" and {sources.Count - 3} more" : "");
            state.Errors.Add(new InputError(state.SnapshotFile!, null,
                $"a ClusterSnapshot cannot be combined with other manifests in one scan; the {state.Objects.Count} " +
                $"manifest object(s) from {named} were ignored"));
        }

        var snapshot = state.Snapshot ?? ClusterSnapshot.FromManifests(state.Objects);
        state.Strings.Seal();
        if (_limits.CollectAfterObjects > 0 && snapshot.Objects.Count >= _limits.CollectAfterObjects)
        {
            // The objects just loaded live as long as the scan; what the parser threw away does not. Non-compacting:
            // the survivors are promoted where they lie rather than copied.
            GC.Collect(1, GCCollectionMode.Forced, blocking: true, compacting: false);
        }

        return new LoadResult(snapshot, state.Errors, files);
    }

    /// <summary>
    /// Manifest files under <paramref name="root"/>, in ordinal path order. Hidden entries (.git, kubelet's ..data)
    /// are skipped. Linked files are read, linked folders are not followed, so a link loop cannot trap the walk.
    /// Only files with content are listed (see below); a path given explicitly is always read.
    /// A folder that cannot be read is reported and the walk goes on with the others.
    /// </summary>
    private static List<string> EnumerateDirectory(string root, State state, CancellationToken cancellationToken)
    {
        var result = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var dir = pending.Pop();
            try
            {
                foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", OneFolder))
                {
                    if (entry.Name.StartsWith('.'))
                    {
                        continue;
                    }

                    if (entry is DirectoryInfo)
                    {
                        if (entry.LinkTarget is null)
                        {
                            pending.Push(entry.FullName);
                        }
                    }
                    else if (ManifestExtensions.Any(e => entry.Name.EndsWith(e, StringComparison.OrdinalIgnoreCase)) &&
                             !IsEmptyOrSpecial(entry))
                    {
                        result.Add(entry.FullName);
                    }
                }
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or SecurityException)
            {
                state.Errors.Add(new InputError(dir, null, "cannot read folder: " + ex.Message));
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// True for a zero-length file, or a link to one: an empty file holds nothing to scan, and a FIFO or a device
    /// (which report zero length too) would block the open or never end. A broken link or link loop is false, so
    /// that reading it reports the problem.
    /// </summary>
    private static bool IsEmptyOrSpecial(FileSystemInfo entry)
    {
        try
        {
            var target = entry.LinkTarget is null ? entry : File.ResolveLinkTarget(entry.FullName, returnFinalTarget: true);
            return target is FileInfo { Exists: true, Length: 0 };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void LoadFile(string path, State state)
    {
        state.Files++;
        if (TryLoadStreaming(path, state))
        {
            return;
        }

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
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or SecurityException or NotSupportedException)
        {
            state.Errors.Add(new InputError(path, null, "cannot read file: " + ex.Message));
            return;
        }

        LoadBytesGuarded(path, bytes, state);
    }

    /// <summary>
    /// Large JSON objects (snapshots, kubectl Lists; plain or gzip) are parsed while they are read, so the file is
    /// never held in memory (PRODUCT.md §8: peak memory bounded relative to the snapshot). False when the file is
    /// small or not a JSON object: the whole-file path then reads it, with all its diagnostics.
    /// </summary>
    private bool TryLoadStreaming(string path, State state)
    {
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or SecurityException)
        {
            return false;
        }

        if (length < _limits.StreamingThresholdBytes || length > _limits.MaxFileBytes)
        {
            return false;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> magic = stackalloc byte[2];
            var gzip = file.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            file.Position = 0;
            using var content = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : (Stream)file;
            var reader = new JsonStreamReader(content, state.Strings, _limits.MaxDepth, _limits.StreamingBufferBytes)
            {
                MaxBytes = gzip ? _limits.MaxDecompressedBytes : _limits.MaxFileBytes,
                ComputeCrc = gzip,
            };
            if (!reader.TryStart())
            {
                return false;
            }

            CompactJson root;
            try
            {
                root = reader.Read(CancellationToken.None);
            }
            catch (JsonStreamReader.StreamJsonException) when (gzip)
            {
                return false; // a cut-short gzip also looks like cut-short JSON: the whole-file path tells which
            }
            catch (JsonStreamReader.StreamJsonException ex)
            {
                var message = ex.Binary ? ex.Message : "invalid JSON: " + ex.Message;
                state.Errors.Add(new InputError(path, (int?)Math.Min(ex.Line ?? 1, int.MaxValue), message));
                return true;
            }

            if (gzip && !GzipTrailerMatches(file, reader))
            {
                return false; // truncated, or several gzip members: the whole-file path tells which
            }

            AddStreamed(path, root, reader, state);
            return true;
        }
        catch (JsonStreamReader.LimitExceededException)
        {
            state.Errors.Add(new InputError(path, null,
                $"gzip content expands beyond {Mb(_limits.MaxDecompressedBytes)} (possible gzip bomb); not read"));
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException)
        {
            state.Errors.Add(new InputError(path, null, "corrupt gzip data: " + ex.Message));
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or SecurityException or NotSupportedException)
        {
            state.Errors.Add(new InputError(path, null, "cannot read file: " + ex.Message));
            return true;
        }
    }

    private static void AddStreamed(string path, CompactJson root, JsonStreamReader reader, State state)
    {
        if (IsSnapshot(root))
        {
            LoadSnapshot(path, root, 1, reader.ItemLines["objects"], state);
        }
        else
        {
            AddDocument(path, root, 1, IsList(root) ? reader.ItemLines["items"] : [], state);
        }
    }

    /// <summary>A single gzip member whose trailer (CRC-32 and length mod 2^32) matches what was decompressed.</summary>
    private static bool GzipTrailerMatches(FileStream file, JsonStreamReader reader)
    {
        if (file.Length < 18)
        {
            return false;
        }

        Span<byte> trailer = stackalloc byte[8];
        file.Position = file.Length - 8;
        file.ReadExactly(trailer);
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer) == reader.Crc &&
               BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == (uint)reader.TotalBytes;
    }

    /// <summary>The last line of the promise that bad content never throws: an unforeseen failure is reported too.</summary>
    private void LoadBytesGuarded(string path, byte[] bytes, State state)
    {
        try
        {
            LoadBytes(path, bytes, state);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            state.Errors.Add(new InputError(path, null,
                $"could not be loaded: unexpected {ex.GetType().Name}: {ex.Message} (please report this input)"));
        }
    }

    private static string Mb(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MiB" : $"{bytes} bytes";

    private static byte[] ReadBounded(Stream stream, long limit, out bool over)
    {
        // A regular file of known size is read into an exact-size array: a growing MemoryStream plus its final copy
        // costs about three times the file in memory on a 70 MB snapshot.
        if (stream.CanSeek && stream.Length is > 0 and <= int.MaxValue)
        {
            var exact = new byte[stream.Length];
            var read = 0;
            while (read < exact.Length)
            {
                var n0 = stream.Read(exact, read, exact.Length - read);
                if (n0 == 0)
                {
                    break;
                }

                read += n0;
            }

            if (read == exact.Length && stream.ReadByte() < 0)
            {
                over = false;
                return exact;
            }

            // The file changed while reading: fall back to the bounded stream copy from the start.
            stream.Position = 0;
        }

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
        var where = "";
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            where = " in the gzip data";
            var compressed = bytes;
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
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                state.Errors.Add(new InputError(path, null, "corrupt gzip data: " + ex.Message));
                return;
            }

            if (!GzipEndsCleanly(compressed, bytes))
            {
                state.Errors.Add(new InputError(path, null,
                    "gzip data is cut short (truncated file or incomplete download); not read"));
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
            state.Errors.Add(new InputError(path, null, $"file is UTF-16 encoded{where}; save it as UTF-8"));
            return;
        }

        if (FirstBinaryByte(span) is { } bad)
        {
            var what = span[bad] == 0 ? "a NUL byte" : $"byte 0x{span[bad]:X2} is not valid UTF-8";
            state.Errors.Add(new InputError(path, LineAt(span, bad),
                $"binary or non-UTF-8 content{where} ({what}); expected YAML or JSON text saved as UTF-8"));
            return;
        }

        var first = FirstNonSpace(span);
        if (first < 0)
        {
            return; // An empty file is not an error: nothing to scan in it.
        }

        var text = bytes.AsMemory(bytes.Length - span.Length);
        if (span[first] is (byte)'{' or (byte)'[')
        {
            // JSON, unless a file not named .json fails to parse as JSON: then it may be YAML in flow style
            // ({apiVersion: v1, ...}), and YAML reports what is wrong with it.
            var jsonName = IsJsonName(path);
            if (LoadJson(path, text, first, state, reportErrors: jsonName) || jsonName)
            {
                return;
            }
        }

        if (span.Length > _limits.MaxYamlBytes)
        {
            state.Errors.Add(new InputError(path, null,
                $"YAML file is {Mb(span.Length)}, over the {Mb(_limits.MaxYamlBytes)} YAML limit; convert it to JSON or split it"));
            return;
        }

        LoadYaml(path, Encoding.UTF8.GetString(span), state);
    }

    /// <summary>
    /// GZipStream stops quietly where a truncated file ends, so check that the data ended with a complete member:
    /// its trailer holds the CRC-32 and length (mod 2^32) of the member's output, which is the whole output for
    /// one member (checked by length; zlib already checked the CRC) and the tail of it when members were concatenated.
    /// </summary>
    private static bool GzipEndsCleanly(byte[] compressed, byte[] output)
    {
        if (compressed.Length < 18)
        {
            return false; // shorter than a header and a trailer: nothing complete in it
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 8));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4));
        if (size == (uint)output.Length)
        {
            return true;
        }

        return size < output.Length && Crc32(output.AsSpan(output.Length - (int)size)) == crc;
    }

    private static uint Crc32(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    private static bool IsJsonName(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Offset of the first NUL byte or invalid UTF-8 sequence, in one pass; null for clean UTF-8 text.</summary>
    private static int? FirstBinaryByte(ReadOnlySpan<byte> span)
    {
        var nul = span.IndexOf((byte)0);
        var limit = nul >= 0 ? nul : span.Length;
        if (Utf8.IsValid(span[..limit]))
        {
            return nul >= 0 ? nul : null;
        }

        var i = 0;
        while (i < limit)
        {
            var ascii = span[i..limit].IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (ascii < 0)
            {
                break;
            }

            i += ascii;
            if (Rune.DecodeFromUtf8(span[i..limit], out _, out var consumed) != OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return nul >= 0 ? nul : null;
    }

    /// <summary>1-based line of a byte offset; a line ends at \n, \r\n or a lone \r, as YAML reads it.</summary>
    private static int LineAt(ReadOnlySpan<byte> span, int offset)
    {
        var before = span[..offset];
        var line = 1 + before.Count((byte)'\n');
        if (before.IndexOf((byte)'\r') >= 0)
        {
            for (var i = 0; i < before.Length; i++)
            {
                if (before[i] == '\r' && (i + 1 >= span.Length || span[i + 1] != '\n'))
                {
                    line++;
                }
            }
        }

        return line;
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

    private string JsonMessage(JsonException ex) =>
        ex.Message.Contains("maximum configured depth", StringComparison.Ordinal)
            ? $"JSON nesting deeper than {_limits.MaxDepth} levels"
            : CleanJsonMessage(ex.Message);

    /// <summary>Parses one JSON document; false (and an error when <paramref name="reportErrors"/>) if it is not JSON.</summary>
    private bool LoadJson(string path, ReadOnlyMemory<byte> json, int first, State state, bool reportErrors)
    {
        CompactJson root;
        try
        {
            // Items of top-level arrays (a snapshot's objects, a List's items) become documents of their own.
            var reader = new Utf8JsonReader(json.Span, new JsonReaderOptions { MaxDepth = _limits.MaxDepth, AllowTrailingCommas = false });
            if (!reader.Read())
            {
                throw new JsonException("The input does not contain any JSON tokens.");
            }

            root = new CompactJsonBuilder(state.Strings, splitTopLevelArrays: true).Build(ref reader);
            if (reader.Read())
            {
                throw new JsonException($"'{(char)json.Span[(int)reader.TokenStartIndex]}' is invalid after a single JSON value. Expected end of data.");
            }
        }
        catch (JsonException ex)
        {
            if (reportErrors)
            {
                state.Errors.Add(new InputError(path, (int?)(ex.LineNumber + 1) ?? LineOf(json.Span, first), "invalid JSON: " + JsonMessage(ex)));
            }

            return false;
        }

        var line = 1 + json.Span[..first].Count((byte)'\n');
        if (root.ValueKind != JsonValueKind.Object)
        {
            state.Errors.Add(new InputError(path, line, "the JSON document is not an object, so not a Kubernetes object or List"));
            return true;
        }

        if (IsSnapshot(root))
        {
            LoadSnapshot(path, root, line, ItemLines(json.Span, "objects"), state);
            return true;
        }

        var itemLines = IsList(root) ? ItemLines(json.Span, "items") : [];
        AddDocument(path, root, line, itemLines, state);
        return true;
    }

    private static int LineOf(ReadOnlySpan<byte> json, int offset) => 1 + json[..Math.Min(offset, json.Length)].Count((byte)'\n');

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
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.Errors.Add(new InputError(path, firstLine, $"invalid YAML: {ex.Message} ({ex.GetType().Name})"));
                continue;
            }

            if (converted.Json is null)
            {
                continue;
            }

            CompactJson root;
            try
            {
                var reader = new Utf8JsonReader(converted.Json, new JsonReaderOptions { MaxDepth = _limits.MaxDepth + 8 });
                reader.Read();
                root = new CompactJsonBuilder(state.Strings, splitTopLevelArrays: true).Build(ref reader);
            }
            catch (JsonException ex)
            {
                state.Errors.Add(new InputError(path, converted.Line, "YAML document could not be represented as JSON: " + CleanJsonMessage(ex.Message)));
                continue;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                state.Errors.Add(new InputError(path, converted.Line,
                    root.ValueKind == JsonValueKind.Array
                        ? "document is a YAML list, not a Kubernetes object (use kind: List with items)"
                        : "document is a plain value, not a Kubernetes object"));
                continue;
            }

            if (IsSnapshot(root))
            {
                LoadSnapshot(path, root, converted.Line, converted.ObjectLines, state);
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

    private static bool IsSnapshot(CompactJson root) =>
        root.Str("kind") == SnapshotKind;

    private static bool IsList(CompactJson root)
    {
        var kind = root.Str("kind");
        return kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && root.Get("items").ValueKind == JsonValueKind.Array;
    }

    private static void AddDocument(string path, CompactJson root, int line, IReadOnlyList<int> itemLines, State state)
    {
        if (IsList(root))
        {
            var listKind = root.Str("kind")!;
            // Typed lists from the API (e.g. PodList) leave apiVersion/kind off their items; a plain List does not,
            // and lends its items nothing.
            var itemKind = listKind == "List" ? null : listKind[..^4];
            var itemApiVersion = itemKind is null ? null : root.Str("apiVersion");
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

                AddObject(path, item, itemLine, state, itemKind, itemApiVersion);
            }

            return;
        }

        AddObject(path, root, line, state, null, null);
    }

    private static void AddObject(string path, CompactJson e, int line, State state, string? defaultKind, string? defaultApiVersion)
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
        if (metadata.Get("name") is { ValueKind: not (JsonValueKind.String or JsonValueKind.Undefined or JsonValueKind.Null) } badName)
        {
            state.Errors.Add(new InputError(path, line,
                $"{kind.Str() ?? defaultKind}: metadata.name must be a string, not {badName.Render(40)}; quote it"));
            return;
        }

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
            obj = KubeObjectWithDefaults(e, path, line, defaultKind, defaultApiVersion, state);
        }

        state.Objects.Add(obj);
    }

    /// <summary>An API server audit policy file (KH-LOG-003): a config document that normally carries no metadata.</summary>
    private static bool IsAuditPolicy(CompactJson e) =>
        e.Str("kind") == "Policy" && e.Str("apiVersion") is { } v && v.StartsWith("audit.k8s.io/", StringComparison.Ordinal);

    private static KubeObject KubeObjectWithDefaults(CompactJson e, string path, int line, string? kind, string? apiVersion, State state)
    {
        // Rare path (typed list items): re-serialise with the list's kind and apiVersion filled in.
        var buffer = new ArrayBufferWriter<byte>();
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
                w.WritePropertyName(p.Name);
                p.Value.WriteTo(w);
            }

            w.WriteEndObject();
        }

        return new KubeObject(CompactJson.Parse(buffer.WrittenSpan, state.Strings, maxDepth: 4096), new SourceLocation(path, line));
    }

    /// <summary>1-based start line of each element of the root object's array property, in one forward pass.</summary>
    internal static List<int> ItemLines(ReadOnlySpan<byte> json, string property)
    {
        var lines = new List<int>();
        if (json.IndexOf((byte)'\n') < 0)
        {
            return lines; // Compact JSON: everything is on line 1, so the second pass would learn nothing.
        }

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

    private static void LoadSnapshot(string path, CompactJson root, int line, IReadOnlyList<int> lines, State state)
    {
        if (state.Snapshot is not null)
        {
            state.Errors.Add(new InputError(path, line, $"only one ClusterSnapshot per scan; {state.SnapshotFile} was already loaded"));
            return;
        }

        var apiVersion = root.Str("apiVersion");
        if (apiVersion != SnapshotApiVersion)
        {
            state.Errors.Add(new InputError(path, line,
                $"unsupported ClusterSnapshot apiVersion \"{apiVersion}\"; this engine reads {SnapshotApiVersion}"));
            return;
        }

        var objectsEl = root.Get("objects");
        if (objectsEl.ValueKind != JsonValueKind.Array)
        {
            state.Errors.Add(new InputError(path, line, "ClusterSnapshot has no \"objects\" array"));
            return;
        }

        var objects = new List<KubeObject>(objectsEl.GetArrayLength());
        var i = 0;
        foreach (var o in objectsEl.EnumerateArray())
        {
            int? objectLine = i < lines.Count ? lines[i] : lines.Count == 0 ? line : null; // compact JSON: all on one line
            i++;
            if (o.ValueKind != JsonValueKind.Object ||
                o.Get("kind").ValueKind != JsonValueKind.String || o.Get("apiVersion").ValueKind != JsonValueKind.String)
            {
                state.Errors.Add(new InputError(path, objectLine, $"objects[{i - 1}] is not a Kubernetes object (needs apiVersion and kind)"));
                continue;
            }

            objects.Add(new KubeObject(o, new SourceLocation(path, objectLine)));
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
