using System.Text.Json;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

/// <summary>
/// The floor every scan pays (TOOLCHAIN.md "Performance facts"): read the file, <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>,
/// and touch every object (its kind and metadata.name), nothing else.
/// </summary>
public static class ParseFloor
{
    public static (JsonDocument Document, long Checksum) ReadParseTouch(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 128 });
        return (doc, Touch(doc.RootElement));
    }

    /// <summary>Reads kind and metadata.name of every element of "objects" (or "items"); returns a checksum.</summary>
    public static long Touch(JsonElement root)
    {
        long sum = 0;
        if (!root.TryGetProperty("objects", out var objects) && !root.TryGetProperty("items", out objects))
        {
            return 0;
        }

        foreach (var o in objects.EnumerateArray())
        {
            if (o.TryGetProperty("kind", out var kind))
            {
                sum += kind.GetString()?.Length ?? 0;
            }

            if (o.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("name", out var name))
            {
                sum += name.GetString()?.Length ?? 0;
            }
        }

        return sum;
    }
}
