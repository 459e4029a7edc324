using System.Globalization;
using System.Text.Json;

namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>
/// Null-tolerant navigation over <see cref="CompactJson"/>. A missing property is <c>default(CompactJson)</c>
/// (ValueKind Undefined), so chains like <c>spec.Get("template").Get("spec")</c> never throw on odd input.
/// </summary>
public static class Json
{
    public static CompactJson Get(this CompactJson e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    public static bool Exists(this CompactJson e) =>
        e.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);

    public static string? Str(this CompactJson e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static string? Str(this CompactJson e, string name) => e.Get(name).Str();

    /// <summary>True/false for JSON booleans; also accepts the strings "true"/"false" that some tools emit.</summary>
    public static bool? Bool(this CompactJson e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(e.GetString(), out var b) => b,
        _ => null,
    };

    public static bool? Bool(this CompactJson e, string name) => e.Get(name).Bool();

    public static long? Long(this CompactJson e)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l))
        {
            return l;
        }

        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e18)
        {
            return (long)d;
        }

        if (e.ValueKind == JsonValueKind.String &&
            long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s))
        {
            return s;
        }

        return null;
    }

    public static long? Long(this CompactJson e, string name) => e.Get(name).Long();

    /// <summary>Array items, or nothing when the value is missing or not an array.</summary>
    public static CompactJson.ArrayEnumerator Items(this CompactJson e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : default;

    public static CompactJson.ArrayEnumerator Items(this CompactJson e, string name) => e.Get(name).Items();

    public static int Count(this CompactJson e) => e.ValueKind == JsonValueKind.Array ? e.GetArrayLength() : 0;

    public static CompactJson.ObjectEnumerator Props(this CompactJson e) =>
        e.ValueKind == JsonValueKind.Object ? e.EnumerateObject() : default;

    /// <summary>String items of an array (non-strings are rendered as raw text).</summary>
    public static IEnumerable<string> Strings(this CompactJson e)
    {
        foreach (var item in e.Items())
        {
            var s = item.Str();
            if (s is not null)
            {
                yield return s;
            }
        }
    }

    public static IEnumerable<string> Strings(this CompactJson e, string name) => e.Get(name).Strings();

    public static bool IsEmptyObjectOrMissing(this CompactJson e) =>
        !e.Exists() || (e.ValueKind == JsonValueKind.Object && !e.EnumerateObject().Any());

    /// <summary>Compact rendering for evidence; long values are cut so a report never balloons.</summary>
    public static string Render(this CompactJson e, int max = 200)
    {
        if (!e.Exists())
        {
            return "<unset>";
        }

        var s = e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText();
        return s.Length <= max ? s : string.Concat(s.AsSpan(0, max), "…");
    }
}
