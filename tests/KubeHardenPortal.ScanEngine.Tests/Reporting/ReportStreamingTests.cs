using System.Text.Json;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Reporting;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Reporting;

/// <summary>Large reports reach their stream while they are written, never only at the end.</summary>
public sealed class ReportStreamingTests
{
    private static readonly Lazy<ScanReport> Report = new(() => Scan.Yaml(string.Join("\n---\n", Enumerable.Range(0, 400).Select(i => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: privileged-{{i}}, namespace: shop}
        spec:
          containers:
            - name: app
              image: registry.example.org/shop/app:1.{{i}}
              securityContext: {privileged: true}
        """))));

    /// <summary>Records how much had arrived when each write happened.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<long> Writes { get; } = [];

        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Writes.Add(Length);
        }

        // MemoryStream's span overload calls back into the array overload for derived types: route it there once.
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }

    [Fact]
    public void The_json_report_is_flushed_in_pieces_while_findings_are_written()
    {
        using var stream = new RecordingStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            JsonReportWriter.Write(w, Report.Value, [], new ReportOptions());

            // Before the writer is disposed (its final flush), most of the report must already be in the stream.
            Assert.True(stream.Length > 64 * 1024, $"only {stream.Length} bytes reached the stream before the end");
        }

        Assert.True(stream.Writes.Count > 2);
        Assert.True(stream.Writes.Zip(stream.Writes.Skip(1), (a, b) => b - a).Max() < 256 * 1024, "one write carried most of the report");
        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.True(doc.RootElement.GetProperty("findings").GetArrayLength() >= 400);
    }

    [Fact]
    public void The_sarif_report_is_flushed_in_pieces_while_results_are_written()
    {
        using var stream = new RecordingStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            SarifWriter.Write(w, Report.Value, CheckCatalog.Definitions, new ReportOptions());
            Assert.True(stream.Length > 64 * 1024, $"only {stream.Length} bytes reached the stream before the end");
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.True(doc.RootElement.GetProperty("runs")[0].GetProperty("results").GetArrayLength() >= 400);
    }
}
