namespace KubeHardenPortal.ScanEngine.Loading;

/// <summary>Bounds on hostile or accidental input. Defaults fit a 50,000-object snapshot with room to spare.</summary>
public sealed record LoadLimits
{
    /// <summary>Largest file read from disk (compressed size for gzip).</summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Largest decompressed size of a gzip input (gzip-bomb guard).</summary>
    public long MaxDecompressedBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Largest YAML file; YAML is ~10x slower to read than JSON, so it gets a tighter bound.</summary>
    public long MaxYamlBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>Nesting depth for JSON and YAML (stack-exhaustion guard).</summary>
    public int MaxDepth { get; init; } = 128;

    /// <summary>
    /// Most YAML nodes one document may add through aliases and merge keys (billion-laughs guard). Nodes written
    /// where they stand are not counted; an aliased scalar or key counts one node per 64 characters.
    /// </summary>
    public long MaxYamlExpandedNodes { get; init; } = 2_000_000;

    /// <summary>
    /// JSON files at least this large (compressed size for gzip) are parsed while they are read, never held whole;
    /// smaller files are read whole, which is faster for them.
    /// </summary>
    public long StreamingThresholdBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Initial read buffer of the streaming path (grows for a larger single object); small in tests.</summary>
    public int StreamingBufferBytes { get; init; } = 1 << 20;

    /// <summary>
    /// After a load of at least this many objects the loader collects the young generations once (without compacting):
    /// the parser's garbage is then gone before evaluation starts allocating, instead of both adding up at the scan's
    /// peak (about 55 MiB less peak memory at 50,000 objects, docs/benchmarks.md). 0 never collects.
    /// </summary>
    public int CollectAfterObjects { get; init; } = 10_000;

    public static readonly LoadLimits Default = new();
}
