using System.Text.Json;
using BenchmarkDotNet.Attributes;
using KubeHardenPortal.ScanEngine.Benchmarks.Measurement;
using KubeHardenPortal.ScanEngine.Loading;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Micro;

/// <summary>
/// The parse floor against the engine's full load (parse + object index + line numbers), plus replicas of the
/// loader's own steps, so the gap between the two can be attributed: reading through a growing MemoryStream
/// (InputLoader.ReadBounded) and a second Utf8JsonReader pass over every object (InputLoader.ItemLines).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ParseBenchmarks
{
    private string _path = "";
    private byte[] _bytes = [];

    [Params(5_000, 20_000)]
    public int Objects { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchFiles.Ensure(Objects);
        _bytes = File.ReadAllBytes(_path);
    }

    [Benchmark(Baseline = true, Description = "read + JsonDocument.Parse + touch")]
    public long ParseFloorOnly()
    {
        var (doc, checksum) = ParseFloor.ReadParseTouch(_path);
        doc.Dispose();
        return checksum;
    }

    [Benchmark(Description = "InputLoader.Load")]
    public int Load()
    {
        using var result = new InputLoader().Load([_path]);
        return result.Snapshot.Objects.Count;
    }

    [Benchmark(Description = "step: File.ReadAllBytes")]
    public int ReadAllBytes() => File.ReadAllBytes(_path).Length;

    [Benchmark(Description = "step: read via growing MemoryStream + ToArray (as ReadBounded)")]
    public int ReadViaMemoryStream()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var ms = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            ms.Write(buffer, 0, n);
        }

        return ms.ToArray().Length;
    }

    [Benchmark(Description = "step: JsonDocument.Parse (bytes in memory)")]
    public int ParseInMemory()
    {
        using var doc = JsonDocument.Parse(_bytes, new JsonDocumentOptions { MaxDepth = 128 });
        return doc.RootElement.GetProperty("objects").GetArrayLength();
    }

    [Benchmark(Description = "step: Utf8JsonReader pass skipping every object (as ItemLines)")]
    public int ReaderSkipPass()
    {
        var reader = new Utf8JsonReader(_bytes, new JsonReaderOptions { MaxDepth = 512 });
        var items = 0;
        while (reader.Read())
        {
            if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("objects"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items++;
                    reader.Skip();
                }
            }
            else if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
            {
                reader.Read();
                reader.Skip();
            }
        }

        return items;
    }
}
