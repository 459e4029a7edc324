using System.Text.Json;
using System.Text.Unicode;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Loading;

/// <summary>
/// Reads a large JSON object (a ClusterSnapshot, a kubectl List) from a stream without holding the file: each value
/// of the root object, and each item of its arrays, is parsed into a compact document as soon as its bytes are in
/// the buffer, and the buffer is reused. Memory is bounded by the largest single object, not by the file.
/// </summary>
internal sealed class JsonStreamReader(Stream stream, JsonStringTable strings, int maxDepth, int bufferSize = 1 << 20)
{
    /// <summary>A problem at a known line; the caller turns it into an input error naming the file.</summary>
    internal sealed class StreamJsonException(string message, long? line, bool binary = false) : Exception(message)
    {
        public long? Line { get; } = line;

        /// <summary>True when the content is not text at all (so the message must not call it "invalid JSON").</summary>
        public bool Binary { get; } = binary;
    }

    private byte[] _buffer = new byte[Math.Max(bufferSize, 16)];
    private int _start;
    private int _end;
    private bool _eof;
    private long _line = 1;           // line of _buffer[_start]
    private int _cursor;              // a position in the window whose line is known, so line lookups stay linear
    private long _cursorLine = 1;
    private long _totalBytes;

    /// <summary>Largest number of bytes the stream may yield (decompressed size for gzip).</summary>
    public long MaxBytes { get; init; } = long.MaxValue;

    /// <summary>1-based start line of every item of the root arrays "objects" (snapshot) and "items" (List).</summary>
    public Dictionary<string, List<int>> ItemLines { get; } = new(StringComparer.Ordinal) { ["objects"] = [], ["items"] = [] };

    /// <summary>Whether to keep <see cref="Crc"/> (only gzip input has a trailer to check it against).</summary>
    public bool ComputeCrc { get; init; }

    /// <summary>CRC-32 of every byte read (for the gzip trailer check).</summary>
    public uint Crc => _crc.GetCurrentHashAsUInt32();

    private readonly System.IO.Hashing.Crc32 _crc = new();

    /// <summary>
    /// Fills the first buffer and skips a UTF-8 byte-order mark; false unless the content starts with '{' (anything
    /// else — YAML, UTF-16, binary, an array — goes through the whole-file path, which explains the problem).
    /// </summary>
    public bool TryStart()
    {
        Fill();
        var span = _buffer.AsSpan(_start, _end - _start);
        if (span.StartsWith(Bom))
        {
            span = span[3..];
        }

        var first = span.IndexOfAnyExcept((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']);
        return first >= 0 && span[first] == (byte)'{';
    }

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The bytes read so far and not consumed (after a false <see cref="TryStart"/>: the start of the input).</summary>
    public byte[] TakeBuffered() => _buffer.AsSpan(_start, _end - _start).ToArray();

    /// <summary>True when the stream has been read to its end.</summary>
    public bool AtEnd => _eof;

    /// <summary>Bytes consumed from the stream so far.</summary>
    public long TotalBytes => _totalBytes;

    public CompactJson Read(CancellationToken cancellationToken)
    {
        var builder = new CompactJsonBuilder(strings, splitTopLevelArrays: false);
        var properties = new List<(string, CompactJson, List<CompactJson>?)>();
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = maxDepth });
        var phase = Phase.Start;
        string? property = null;
        List<CompactJson>? items = null;
        if (_totalBytes == _end && _buffer.AsSpan(_start, _end - _start).StartsWith(Bom))
        {
            _start += 3;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, state);
            bool progressed;
            try
            {
                progressed = Step(ref reader, ref phase, ref property, ref items, properties, builder);
            }
            catch (JsonException ex)
            {
                // JsonReaderState carries the line count across buffers, so the reader's line is absolute (0-based).
                throw new StreamJsonException(CleanMessage(ex.Message), ex.LineNumber is { } l ? l + 1 : _line);
            }

            Advance((int)reader.BytesConsumed);
            state = reader.CurrentState;
            if (phase == Phase.Done)
            {
                return builder.AssembleRoot(properties);
            }

            if (!progressed)
            {
                if (_eof)
                {
                    throw new StreamJsonException("unexpected end of data (the JSON is cut short)", _line);
                }

                Fill();
            }
        }
    }

    private enum Phase
    {
        Start,
        Properties,
        Value,
        Items,
        Done,
    }

    /// <summary>Consumes as many complete root-level tokens and values as the buffer holds; false when it needs more data.</summary>
    private bool Step(ref Utf8JsonReader reader, ref Phase phase, ref string? property, ref List<CompactJson>? items,
        List<(string, CompactJson, List<CompactJson>?)> properties, CompactJsonBuilder builder)
    {
        var any = false;
        while (true)
        {
            var checkpoint = reader;
            switch (phase)
            {
                case Phase.Start:
                    if (!reader.Read())
                    {
                        return any;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new JsonException("the document is not a JSON object");
                    }

                    phase = Phase.Properties;
                    break;
                case Phase.Properties:
                    if (!reader.Read())
                    {
                        return any;
                    }

                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        // Only whitespace may follow the root value.
                        if (reader.Read())
                        {
                            throw new JsonException("unexpected content after the JSON object");
                        }

                        if (!reader.IsFinalBlock)
                        {
                            reader = checkpoint; // more bytes may still come: read them before deciding
                            return any;
                        }

                        phase = Phase.Done;
                        return true;
                    }

                    property = reader.GetString();
                    phase = Phase.Value;
                    break;
                case Phase.Value:
                    if (!reader.Read())
                    {
                        return any;
                    }

                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        items = [];
                        phase = Phase.Items;
                        break;
                    }

                    if (!TryBuild(ref reader, builder, out var value))
                    {
                        reader = checkpoint;
                        return any;
                    }

                    properties.Add((property!, value, null));
                    phase = Phase.Properties;
                    break;
                case Phase.Items:
                    if (!reader.Read())
                    {
                        return any;
                    }

                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        properties.Add((property!, default, items));
                        items = null;
                        phase = Phase.Properties;
                        break;
                    }

                    var itemStart = (int)reader.TokenStartIndex;
                    if (!TryBuild(ref reader, builder, out var item))
                    {
                        reader = checkpoint;
                        return any;
                    }

                    if (ItemLines.TryGetValue(property!, out var lines))
                    {
                        lines.Add((int)Math.Min(int.MaxValue, LineAt(_start + itemStart)));
                    }

                    items!.Add(item);
                    break;
                default:
                    return true;
            }

            any = true;
        }
    }

    /// <summary>Builds the value whose first token the reader is on, if all of it is in the buffer (one pass: no skip-then-parse).</summary>
    private bool TryBuild(ref Utf8JsonReader reader, CompactJsonBuilder builder, out CompactJson value)
    {
        value = default;
        var start = (int)reader.TokenStartIndex;
        try
        {
            value = builder.BuildFrom(ref reader);
        }
        catch (CompactJsonBuilder.NeedMoreDataException)
        {
            return false;
        }

        CheckText(_buffer.AsSpan(_start + start, (int)reader.BytesConsumed - start), start);
        return true;
    }

    /// <summary>NUL bytes and invalid UTF-8 get the same answer as for files read whole: binary, not JSON.</summary>
    private void CheckText(ReadOnlySpan<byte> slice, int offsetInWindow)
    {
        var nul = slice.IndexOf((byte)0);
        var bad = nul >= 0 ? nul : Utf8.IsValid(slice) ? -1 : FirstInvalid(slice);
        if (bad < 0)
        {
            return;
        }

        var line = LineAt(_start + offsetInWindow + bad);
        var what = slice[bad] == 0 ? "a NUL byte" : $"byte 0x{slice[bad]:X2} is not valid UTF-8";
        throw new StreamJsonException($"binary or non-UTF-8 content ({what}); expected YAML or JSON text saved as UTF-8", line, binary: true);
    }

    private static int FirstInvalid(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(s[i..], out _, out var n) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += n;
        }

        return 0;
    }

    /// <summary>1-based line of a buffer position at or after <see cref="_start"/>.</summary>
    private long LineAt(int position)
    {
        if (position < _cursor || _cursor < _start)
        {
            _cursor = _start;
            _cursorLine = _line;
        }

        _cursorLine += _buffer.AsSpan(_cursor, position - _cursor).Count((byte)'\n');
        _cursor = position;
        return _cursorLine;
    }

    private void Advance(int consumed)
    {
        _line = LineAt(_start + consumed);
        _start += consumed;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
            _cursor = 0;
            _cursorLine = _line;
        }

        if (_end == _buffer.Length)
        {
            // One value larger than the buffer: grow (bounded by the file limit, which the caller enforces).
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        while (_end < _buffer.Length)
        {
            var n = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _eof = true;
                return;
            }

            if (ComputeCrc)
            {
                _crc.Append(_buffer.AsSpan(_end, n));
            }

            _end += n;
            _totalBytes += n;
            if (_totalBytes > MaxBytes)
            {
                throw new LimitExceededException(MaxBytes);
            }
        }
    }

    internal sealed class LimitExceededException(long limit) : Exception($"over {limit} bytes")
    {
        public long Limit { get; } = limit;
    }

    private static string CleanMessage(string message)
    {
        var i = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return i > 0 ? message[..i].TrimEnd('.', ' ') : message;
    }
}
