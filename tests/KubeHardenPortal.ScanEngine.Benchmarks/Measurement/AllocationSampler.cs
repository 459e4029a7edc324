using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

/// <summary>
/// Samples the runtime's GC AllocationTick events (one per ~100 KB allocated) by type name, in process, so the
/// profile mode can say which types the evaluation allocates without an external tracer.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    public bool Enabled { get; set; }

    public IReadOnlyList<(string Type, long Bytes)> Top(int n) =>
        _bytes.OrderByDescending(kv => kv.Value).Take(n).Select(kv => (kv.Key, kv.Value)).ToList();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: includes AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Enabled || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
        {
            return;
        }

        var type = e.PayloadNames?.IndexOf("TypeName") is { } ti and >= 0 ? e.Payload[ti]?.ToString() ?? "?" : "?";
        var amount = e.PayloadNames?.IndexOf("AllocationAmount64") is { } ai and >= 0 ? Convert.ToInt64(e.Payload[ai], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }
}
