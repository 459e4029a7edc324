using System.Buffers.Binary;
using System.Collections;
using System.Text;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// The findings of one check, kept as rows of a value type in small chunks, with the messages as UTF-8 in byte chunks.
/// </summary>
/// <remarks>
/// A large scan keeps tens of thousands of findings alive while it allocates well over a gen0 budget, so every
/// finding used to be copied twice by the GC (gen0 → gen1 → gen2) as five objects (the finding, its message, its
/// fingerprint text, its evidence and the list slot). Here a finding is one row of 88 bytes and its message a run of bytes:
/// the GC moves a few hundred chunks instead of ~250,000 objects, and the report keeps a third of the bytes.
/// <see cref="Finding"/> objects are made when the report is read (<see cref="FindingList"/>).
/// </remarks>
internal sealed class FindingStore
{
    // 512 rows × 88 bytes and 64 KiB byte chunks stay below the large-object threshold (85,000 bytes): chunks are
    // ordinary young objects that the GC compacts, not LOH allocations that count towards a full collection.
    private const int RowsPerChunk = 512;
    private const int TextChunkBytes = 64 * 1024;
    private const int FirstRows = 8;
    private const int FirstTextBytes = 1024;

    private readonly string _checkId;
    private readonly List<Row[]> _rows = [];
    private readonly List<byte[]> _text = [];
    private int _textUsed;

    public FindingStore(string checkId) => _checkId = checkId;

    public int Count { get; private set; }

    public void Add(Severity severity, ResultStatus status, ResourceRef resource, ContainerInfo? container, ReadOnlySpan<char> message,
        bool hasEvidence, string? evidencePath, string? evidenceValue, SourceLocation? source, UInt128 fingerprint, string? subKey)
    {
        var row = new Row
        {
            Resource = resource,
            Container = container,
            Source = source,
            EvidencePath = evidencePath,
            EvidenceValue = evidenceValue,
            SubKey = subKey,
            FingerprintHigh = (ulong)(fingerprint >> 64),
            FingerprintLow = (ulong)fingerprint,
            Severity = (byte)severity,
            Status = (byte)status,
            HasEvidence = hasEvidence,
        };
        StoreMessage(message, ref row);

        var chunk = Count / RowsPerChunk;
        if (chunk == _rows.Count)
        {
            // The first chunk starts small and grows fourfold (8, 32, 128, 512: most checks report a handful of findings,
            // and fewer steps copy less); the others are full size.
            _rows.Add(new Row[chunk == 0 ? FirstRows : RowsPerChunk]);
        }
        else if (chunk == 0 && Count == _rows[0].Length)
        {
            var grown = _rows[0];
            Array.Resize(ref grown, Math.Min(RowsPerChunk, grown.Length * 4));
            _rows[0] = grown;
        }

        _rows[chunk][Count % RowsPerChunk] = row;
        Count++;
    }

    public Finding this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            ref readonly var r = ref _rows[index / RowsPerChunk][index % RowsPerChunk];
            return new Finding(
                _checkId,
                (Severity)r.Severity,
                (ResultStatus)r.Status,
                r.Resource,
                r.Container,
                r.LongMessage ?? Encoding.UTF8.GetString(_text[r.TextChunk], r.TextOffset, r.TextLength),
                r.HasEvidence ? new Evidence(r.EvidencePath ?? "", r.EvidenceValue) : null,
                r.Source,
                Fingerprints.Format(new UInt128(r.FingerprintHigh, r.FingerprintLow)),
                r.SubKey);
        }
    }

    internal string CheckId => _checkId;

    internal ResourceRef ResourceAt(int index) => RowAt(index).Resource;

    internal string? ContainerNameAt(int index) => RowAt(index).Container?.Name;

    internal ResultStatus StatusAt(int index) => (ResultStatus)RowAt(index).Status;

    internal UInt128 FingerprintAt(int index)
    {
        ref readonly var r = ref RowAt(index);
        return new UInt128(r.FingerprintHigh, r.FingerprintLow);
    }

    private ref readonly Row RowAt(int index) => ref _rows[index / RowsPerChunk][index % RowsPerChunk];

    private void StoreMessage(ReadOnlySpan<char> message, ref Row row)
    {
        var bytes = Encoding.UTF8.GetByteCount(message);
        if (bytes > TextChunkBytes / 4)
        {
            // Rare (a structured ConfigMap hit can quote a long line): kept as a string.
            row.LongMessage = message.ToString();
            return;
        }

        if (_text.Count == 0 || _textUsed + bytes > _text[^1].Length)
        {
            // Chunks double from 1 KiB to 64 KiB, so a check with a few findings does not hold 64 KiB.
            var size = _text.Count == 0 ? FirstTextBytes : Math.Min(TextChunkBytes, _text[^1].Length * 2);
            _text.Add(new byte[Math.Max(size, bytes)]);
            _textUsed = 0;
        }

        row.TextChunk = (ushort)(_text.Count - 1);
        row.TextOffset = (ushort)_textUsed;
        row.TextLength = (ushort)bytes;
        _textUsed += Encoding.UTF8.GetBytes(message, _text[^1].AsSpan(_textUsed));
    }

    private struct Row
    {
        public ResourceRef Resource;
        public ContainerInfo? Container;
        public SourceLocation? Source;
        public string? EvidencePath;
        public string? EvidenceValue;
        public string? SubKey;
        public string? LongMessage;
        // Two halves rather than a UInt128, whose 16-byte alignment would pad the row.
        public ulong FingerprintHigh;
        public ulong FingerprintLow;
        public ushort TextChunk;
        public ushort TextOffset;
        public ushort TextLength;
        public byte Severity;
        public byte Status;
        public bool HasEvidence;
    }
}

/// <summary>
/// The findings of a report in check order, each <see cref="Finding"/> made when it is read. Reading the list twice
/// gives equal (not identical) objects; consumers that keep findings keep their own copies.
/// </summary>
internal sealed class FindingList : IReadOnlyList<Finding>
{
    private readonly FindingStore[] _stores;
    private readonly int[] _starts;

    public FindingList(IEnumerable<FindingStore> stores)
    {
        _stores = stores.Where(s => s.Count > 0).ToArray();
        _starts = new int[_stores.Length];
        var n = 0;
        for (var i = 0; i < _stores.Length; i++)
        {
            _starts[i] = n;
            n += _stores[i].Count;
        }

        Count = n;
    }

    public int Count { get; }

    public Finding this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var s = Array.BinarySearch(_starts, index);
            if (s < 0)
            {
                s = ~s - 1;
            }

            // Stores are never empty, so equal starts cannot occur and the search lands on the owning store.
            return _stores[s][index - _starts[s]];
        }
    }

    public IEnumerator<Finding> GetEnumerator()
    {
        foreach (var store in _stores)
        {
            for (var i = 0; i < store.Count; i++)
            {
                yield return store[i];
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The findings in report order (check id, namespace, kind, name, container, fingerprint; ties in list order),
    /// sorted by their stored keys so only the finding being written exists as an object — ordering 50,000 findings
    /// through LINQ held every one of them, their texts and their sort keys at once.
    /// </summary>
    internal IEnumerable<Finding> InReportOrder() => InReportOrder(_ => true);

    /// <summary>The findings of one check in report order (only its rows are sorted).</summary>
    internal IEnumerable<Finding> InReportOrder(string checkId) => InReportOrder(s => s.CheckId == checkId);

    /// <summary>How many findings of one check have a status <paramref name="counted"/> accepts, without making them.</summary>
    internal int CountOf(string checkId, Func<ResultStatus, bool> counted)
    {
        var n = 0;
        foreach (var store in _stores)
        {
            if (store.CheckId != checkId)
            {
                continue;
            }

            for (var r = 0; r < store.Count; r++)
            {
                n += counted(store.StatusAt(r)) ? 1 : 0;
            }
        }

        return n;
    }

    private IEnumerable<Finding> InReportOrder(Func<FindingStore, bool> included)
    {
        var order = new (int Store, int Row)[_stores.Where(included).Sum(s => s.Count)];
        var n = 0;
        for (var s = 0; s < _stores.Length; s++)
        {
            if (!included(_stores[s]))
            {
                continue;
            }

            for (var r = 0; r < _stores[s].Count; r++)
            {
                order[n++] = (s, r);
            }
        }

        // Insertion order (store, row) is the final key, so equal keys keep list order as LINQ's stable sort did.
        Array.Sort(order, Compare);
        foreach (var (s, r) in order)
        {
            yield return _stores[s][r];
        }
    }

    private int Compare((int Store, int Row) x, (int Store, int Row) y)
    {
        var a = _stores[x.Store];
        var b = _stores[y.Store];
        var c = string.CompareOrdinal(a.CheckId, b.CheckId);
        if (c != 0)
        {
            return c;
        }

        var ra = a.ResourceAt(x.Row);
        var rb = b.ResourceAt(y.Row);
        c = string.CompareOrdinal(ra.Namespace ?? "", rb.Namespace ?? "");
        c = c != 0 ? c : string.CompareOrdinal(ra.Kind, rb.Kind);
        c = c != 0 ? c : string.CompareOrdinal(ra.Name, rb.Name);
        c = c != 0 ? c : string.CompareOrdinal(a.ContainerNameAt(x.Row) ?? "", b.ContainerNameAt(y.Row) ?? "");
        // Fixed-width lower-case hex orders like the number it spells, so the stored value sorts as the text did.
        c = c != 0 ? c : a.FingerprintAt(x.Row).CompareTo(b.FingerprintAt(y.Row));
        c = c != 0 ? c : x.Store.CompareTo(y.Store);
        return c != 0 ? c : x.Row.CompareTo(y.Row);
    }
}

/// <summary>
/// Finding fingerprints (PRODUCT.md §4): SHA-256 over cluster id, check id, kind (without apiVersion, so an API
/// version bump does not reset history), namespace, name, container and sub-key; the first 16 bytes, as 32 lower-case
/// hex digits. This layout is a contract: changing it breaks finding history, so it carries its own version prefix.
/// </summary>
public static class Fingerprints
{
    public const string Version = "fp1";

    public static string Compute(string clusterId, string checkId, ResourceRef resource, string? container, string? subKey) =>
        Format(Hash(clusterId, checkId, resource, container, subKey));

    /// <summary>The fingerprint's 16 bytes, big-endian, for storing without its text.</summary>
    internal static UInt128 Hash(string clusterId, string checkId, ResourceRef resource, string? container, string? subKey)
    {
        // The UTF-8 of string.Join('\u001f', parts), encoded into one buffer and hashed in one call: no intermediate
        // strings, and no per-finding hash object (creating an incremental SHA-256 context costs more than hashing).
        ReadOnlySpan<string?> parts = [Version, clusterId, checkId, resource.Kind, resource.Namespace, resource.Name, container, subKey];
        var max = parts.Length;
        foreach (var part in parts)
        {
            max += Encoding.UTF8.GetMaxByteCount(part?.Length ?? 0);
        }

        byte[]? rented = null;
        var buffer = max <= 1024 ? stackalloc byte[1024] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = 0;
            for (var i = 0; i < parts.Length; i++)
            {
                if (i > 0)
                {
                    buffer[n++] = 0x1f;
                }

                n += Encoding.UTF8.GetBytes(parts[i] ?? "", buffer[n..]);
            }

            Span<byte> hash = stackalloc byte[32];
            System.Security.Cryptography.SHA256.HashData(buffer[..n], hash);
            return BinaryPrimitives.ReadUInt128BigEndian(hash);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal static string Format(UInt128 hash)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, hash);
        return Convert.ToHexStringLower(bytes);
    }
}
