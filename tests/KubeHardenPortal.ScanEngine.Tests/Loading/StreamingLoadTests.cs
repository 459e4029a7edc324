using System.IO.Compression;
using System.Text;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>
/// Large JSON files are parsed while they are read (never held whole). The streaming path must load exactly what
/// the whole-file path loads — objects, lines, JSON, errors — so every case runs both ways and is compared. A tiny
/// buffer forces value-by-value refills and buffer growth.
/// </summary>
public sealed class StreamingLoadTests : IDisposable
{
    private static readonly LoadLimits Streaming = new() { StreamingThresholdBytes = 0, StreamingBufferBytes = 64 };
    private static readonly LoadLimits Whole = new() { StreamingThresholdBytes = long.MaxValue };
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Snapshot(bool pretty, int objects = 12)
    {
        var sb = new StringBuilder();
        var nl = pretty ? "\n" : "";
        var ind = pretty ? "  " : "";
        sb.Append('{').Append(nl)
          .Append(ind).Append("\"apiVersion\": \"kubeharden.io/v1\",").Append(nl)
          .Append(ind).Append("\"kind\": \"ClusterSnapshot\",").Append(nl)
          .Append(ind).Append("\"cluster\": {\"name\": \"prod-eu\", \"serverVersion\": {\"gitVersion\": \"v1.31.2\"}},").Append(nl)
          .Append(ind).Append("\"coverage\": [{\"resource\": \"pods\", \"status\": \"collected\", \"count\": 3}],").Append(nl)
          .Append(ind).Append("\"objects\": [").Append(nl);
        for (var i = 0; i < objects; i++)
        {
            sb.Append(ind).Append(ind)
              .Append($$$"""{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-{{{i}}}", "namespace": "ns-{{{i % 3}}}", "labels": {"app": "é-{{{i}}}"}, "managedFields": [{"manager": "x"}]}, "data": {"k": "{{{new string('v', i * 10)}}}\n\u0041"}}""")
              .Append(i + 1 < objects ? "," : "").Append(nl);
        }

        sb.Append(ind).Append("],").Append(nl)
          .Append(ind).Append("\"nodes\": [{\"name\": \"n1\", \"kubeletConfig\": {\"readOnlyPort\": 0}}]").Append(nl)
          .Append('}').Append(nl);
        return sb.ToString();
    }

    private (LoadResult Stream, LoadResult Whole) Both(string path) =>
        (new InputLoader(Streaming).Load([path]), new InputLoader(Whole).Load([path]));

    private static void AssertSame(LoadResult a, LoadResult b)
    {
        Assert.Equal(b.Errors.Select(e => (e.Line, e.Message)), a.Errors.Select(e => (e.Line, e.Message)));
        Assert.Equal(b.Snapshot.Mode, a.Snapshot.Mode);
        Assert.Equal(b.Snapshot.Cluster, a.Snapshot.Cluster);
        Assert.Equal(b.Snapshot.Coverage.OrderBy(c => c.Resource), a.Snapshot.Coverage.OrderBy(c => c.Resource));
        Assert.Equal(b.Snapshot.Nodes.Select(n => (n.NodeName, n.Status, n.KubeletConfig.ToString())),
            a.Snapshot.Nodes.Select(n => (n.NodeName, n.Status, n.KubeletConfig.ToString())));
        Assert.Equal(b.Snapshot.Objects.Count, a.Snapshot.Objects.Count);
        for (var i = 0; i < a.Snapshot.Objects.Count; i++)
        {
            var (x, y) = (a.Snapshot.Objects[i], b.Snapshot.Objects[i]);
            Assert.Equal(y.Ref, x.Ref);
            Assert.Equal(y.Source, x.Source);
            Assert.Equal(y.Json.GetRawText(), x.Json.GetRawText());
        }
    }

    [Theory(DisplayName = "Streaming and whole-file loading agree on a snapshot (pretty and compact, plain and gzip)")]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void Snapshot_SameBothWays(bool pretty, bool gzip)
    {
        var bytes = Encoding.UTF8.GetBytes(Snapshot(pretty));
        var path = gzip ? _dir.WriteGzip("s.json.gz", bytes) : _dir.Write("s.json", bytes);
        var (s, w) = Both(path);
        s.NoErrors();
        AssertSame(s, w);
        Assert.Equal(SnapshotMode.Cluster, s.Snapshot.Mode);
        Assert.Equal(12, s.Snapshot.Objects.Count);
        Assert.Equal(JsonValueKindUndefined, s.Snapshot.Objects[0].Metadata.Get("managedFields").ValueKind);
        if (pretty)
        {
            Assert.Equal(7, s.Snapshot.Objects[0].Source!.Line); // one object per line after six header lines
            Assert.Equal(18, s.Snapshot.Objects[11].Source!.Line);
        }
    }

    private const System.Text.Json.JsonValueKind JsonValueKindUndefined = System.Text.Json.JsonValueKind.Undefined;

    [Fact(DisplayName = "Streaming and whole-file loading agree on a kubectl List with typed items and a bad item")]
    public void List_SameBothWays()
    {
        var path = _dir.Write("list.json", """
            {
              "apiVersion": "v1",
              "kind": "PodList",
              "items": [
                {"metadata": {"name": "a", "namespace": "x"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
                42,
                {"metadata": {"name": "b"}}
              ]
            }
            """);
        var (s, w) = Both(path);
        AssertSame(s, w);
        Assert.Equal(2, s.Snapshot.Objects.Count);
        Assert.Equal("Pod", s.Snapshot.Objects[0].Kind);
        Assert.Single(s.Errors);
    }

    [Theory(DisplayName = "Malformed JSON gets the same error and line streaming or not")]
    [InlineData("{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a\",}}\n  ]\n}\n")]
    [InlineData("{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"apiVersion\": \"v1\"\n")]
    [InlineData("{\"kind\": \"List\", \"items\": []} trailing")]
    [InlineData("{\n\"a\": 1,\n\"b\": tru\n}")]
    [InlineData("{\"kind\": \"List\", \"items\": [\"x\" \"y\"]}")]
    public void Malformed_SameErrorBothWays(string json)
    {
        var path = _dir.Write("bad.json", json);
        var (s, w) = Both(path);
        var se = Assert.Single(s.Errors);
        var we = Assert.Single(w.Errors);
        Assert.StartsWith("invalid JSON", se.Message, StringComparison.Ordinal);
        Assert.Equal(we.Line, se.Line);
    }

    [Fact(DisplayName = "Streaming: invalid UTF-8 inside a string is reported as binary content with its line")]
    public void InvalidUtf8_IsBinaryContent()
    {
        var text = Encoding.UTF8.GetBytes("{\n\"kind\": \"List\",\n\"items\": [\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"X\"}}\n]\n}\n");
        var i = Array.IndexOf(text, (byte)'X');
        text[i] = 0xFF;
        var path = _dir.Write("bin.json", text);
        var (s, w) = Both(path);
        var se = Assert.Single(s.Errors);
        Assert.Contains("not valid UTF-8", se.Message, StringComparison.Ordinal);
        Assert.Equal(4, se.Line);
        Assert.Equal(w.Errors.Single().Line, se.Line);
    }

    [Fact(DisplayName = "Streaming: deep nesting stops at the depth limit with an error, never a crash")]
    public void DeepNesting_IsAnError()
    {
        var deep = "{\"kind\":\"List\",\"items\":[" + new string('[', 5000) + new string(']', 5000) + "]}";
        var path = _dir.Write("deep.json", deep);
        var s = new InputLoader(Streaming).Load([path]);
        Assert.Contains("invalid JSON", s.SingleError().Message, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "Streaming gzip: a truncated file and a gzip bomb are refused like the whole-file path refuses them")]
    public void Gzip_TruncatedAndBomb()
    {
        var bytes = Encoding.UTF8.GetBytes(Snapshot(pretty: true, objects: 200));
        var full = _dir.WriteGzip("full.json.gz", bytes);
        var all = File.ReadAllBytes(full);
        var cut = _dir.Write("cut.json.gz", all[..(all.Length * 2 / 3)]);
        var (s, w) = Both(cut);
        Assert.Equal(w.Errors.Select(e => e.Message), s.Errors.Select(e => e.Message));
        Assert.NotEmpty(s.Errors);

        var bomb = _dir.WriteGzip("bomb.json.gz", Encoding.UTF8.GetBytes("{\"kind\":\"List\",\"items\":[\"" + new string('a', 4_000_000) + "\"]}"),
            CompressionLevel.SmallestSize);
        var limited = new InputLoader(Streaming with { MaxDecompressedBytes = 1_000_000 }).Load([bomb]);
        Assert.Contains("possible gzip bomb", limited.SingleError().Message, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "Files that are not a JSON object (YAML, arrays, UTF-16) take the whole-file path and its diagnostics")]
    public void NotAnObject_FallsBack()
    {
        var yaml = _dir.Write("a.json", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n");
        var s = new InputLoader(Streaming).Load([yaml]);
        Assert.Single(s.Errors); // named .json, so the JSON error is what the user sees, as before

        var array = _dir.Write("arr.json", "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}]");
        var (sa, wa) = Both(array);
        AssertSame(sa, wa);

        var utf16 = _dir.Write("u16.json", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("{}")).ToArray());
        var (su, wu) = Both(utf16);
        AssertSame(su, wu);
        Assert.Contains("UTF-16", su.SingleError().Message, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "A single object larger than the buffer grows the buffer (a 2 MB ConfigMap in a 64-byte buffer)")]
    public void LargeObject_GrowsBuffer()
    {
        var big = new string('z', 2_000_000);
        var path = _dir.Write("big.json",
            $$$"""{"kind":"List","apiVersion":"v1","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"{{{big}}}"}}]}""");
        var s = new InputLoader(Streaming).Load([path]);
        s.NoErrors();
        Assert.Equal(big, s.Object("big").Json.Get("data").Str("k"));
    }

    /// <summary>A pipe: not seekable, and hands out a few bytes per read.</summary>
    private sealed class Pipe(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 7), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Theory(DisplayName = "Standard input: a JSON snapshot streams, and YAML, gzip and BOM input still load from the pipe")]
    [InlineData("json")]
    [InlineData("bom")]
    [InlineData("yaml")]
    [InlineData("gzip")]
    public void Stdin_LoadsEveryFormat(string format)
    {
        var json = Encoding.UTF8.GetBytes(Snapshot(pretty: true));
        byte[] data = format switch
        {
            "json" => json,
            "bom" => [0xEF, 0xBB, 0xBF, .. json],
            "yaml" => Encoding.UTF8.GetBytes(string.Join("---\n", Enumerable.Range(0, 30).Select(i => $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"))),
            _ => File.ReadAllBytes(_dir.WriteGzip("s.gz", json)),
        };
        var streamed = new InputLoader(Streaming).LoadStream("<stdin>", new Pipe(data));
        streamed.NoErrors();
        var whole = new InputLoader(Whole).LoadText("<stdin>", format == "gzip" ? Encoding.UTF8.GetString(json) : Encoding.UTF8.GetString(data).TrimStart('\uFEFF'));
        Assert.Equal(whole.Snapshot.Objects.Select(o => (o.Ref, o.Source?.Line)), streamed.Snapshot.Objects.Select(o => (o.Ref, o.Source?.Line)));
        Assert.Equal(format == "yaml" ? 30 : 12, streamed.Snapshot.Objects.Count);
    }

    [Fact(DisplayName = "Standard input: a streamed JSON error names the line; an over-limit pipe is refused")]
    public void Stdin_ErrorsAndLimit()
    {
        var broken = new InputLoader(Streaming).LoadStream("<stdin>", new Pipe(Encoding.UTF8.GetBytes("{\n\"kind\": \"List\",\n\"items\": [\n{\"a\": }\n]}")));
        Assert.Equal(4, broken.SingleError().Line);
        Assert.StartsWith("invalid JSON", broken.SingleError().Message, StringComparison.Ordinal);

        var big = Encoding.UTF8.GetBytes(Snapshot(pretty: false, objects: 500));
        var limited = new InputLoader(Streaming with { MaxFileBytes = 10_000 }).LoadStream("<stdin>", new Pipe(big));
        Assert.Contains("over the", limited.SingleError().Message, StringComparison.Ordinal);
    }
}
