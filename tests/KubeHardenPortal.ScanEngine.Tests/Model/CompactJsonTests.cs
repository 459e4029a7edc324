using System.Globalization;
using System.Text;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Model;

/// <summary>The compact document model must read exactly like <see cref="JsonElement"/> for everything checks use.</summary>
public sealed class CompactJsonTests
{
    [Fact(DisplayName = "Differential: 400 random documents read the same through CompactJson and JsonElement")]
    public void RandomDocuments_MatchJsonElement()
    {
        var random = new Random(20261126);
        for (var i = 0; i < 400; i++)
        {
            var sb = new StringBuilder();
            WriteRandom(sb, random, depth: 0);
            var text = sb.ToString();
            using var doc = JsonDocument.Parse(text);
            AssertSame(doc.RootElement, CompactJson.Parse(text), "$");
        }
    }

    [Fact(DisplayName = "Duplicate property names: the last one wins, as in JsonElement")]
    public void DuplicateNames_LastWins()
    {
        var few = CompactJson.Parse("""{"a":1,"b":2,"a":3}""");
        Assert.Equal("3", few.Str("a"));
        Assert.Equal("2", few.Str("b"));

        // More than 16 keys switches duplicate detection to a set; the answer must not change.
        var many = new StringBuilder("{");
        for (var i = 0; i < 40; i++)
        {
            many.Append(CultureInfo.InvariantCulture, $"\"k{i}\":{i},");
        }

        many.Append("\"k3\":\"last\"}");
        var m = CompactJson.Parse(many.ToString());
        Assert.Equal("last", m.Str("k3"));
        Assert.Equal("39", m.Str("k39"));
        Assert.Equal(41, m.EnumerateObject().Count());
    }

    [Fact(DisplayName = "An object with 100,000 keys parses (duplicate detection is not quadratic) and looks up correctly")]
    public void HugeObject_Parses()
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < 100_000; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\"key-{i}\":\"v{i % 7}\",");
        }

        sb.Append("\"end\":true}");
        var o = CompactJson.Parse(sb.ToString());
        Assert.Equal("v4", o.Str("key-99999")); // 99,999 mod 7 = 4
        Assert.True(o.Bool("end"));
    }

    [Fact(DisplayName = "An object with 50,000 keys whose values are objects parses (nested objects do not restart duplicate detection)")]
    public void HugeObjectOfObjects_Parses()
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < 50_000; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\"k{i}\":{{\"v\":{i}}},");
        }

        sb.Append("\"k7\":{\"v\":\"last\"}}");
        var o = CompactJson.Parse(sb.ToString());
        Assert.Equal("last", o.Get("k7").Str("v"));   // the duplicate is still seen, and the last one wins
        Assert.Equal("49999", o.Get("k49999").Str("v"));
        Assert.Equal(50_001, o.EnumerateObject().Count());
    }

    [Fact(DisplayName = "Escaped strings, unicode and numbers keep their values; numbers keep their text")]
    public void Scalars()
    {
        var o = CompactJson.Parse("""{"s":"a\"b\\c\u00e9\n","n":1.50,"big":123456789012345678901234567890,"neg":-7,"t":true,"f":false,"z":null}""");
        Assert.Equal("a\"b\\c\u00e9\n", o.Str("s"));
        Assert.Equal("1.50", o.Str("n"));
        Assert.Equal(1.5, o.Get("n").GetDouble());
        Assert.False(o.Get("big").TryGetInt64(out _));
        Assert.Equal(-7, o.Long("neg"));
        Assert.True(o.Bool("t"));
        Assert.False(o.Bool("f"));
        Assert.Equal(JsonValueKind.Null, o.Get("z").ValueKind);
        Assert.Null(o.Get("z").GetString());
        Assert.Equal(JsonValueKind.Undefined, o.Get("missing").ValueKind);
        Assert.Equal("""{"s":"a\"b\\cé\n","n":1.50,"big":123456789012345678901234567890,"neg":-7,"t":true,"f":false,"z":null}""",
            o.GetRawText());
    }

    [Fact(DisplayName = "Strings are interned per table: equal values share one string instance")]
    public void Strings_AreInterned()
    {
        var table = new JsonStringTable();
        var a = CompactJson.Parse(Encoding.UTF8.GetBytes("""{"image":"registry.example.org/app:1"}"""), table);
        var b = CompactJson.Parse(Encoding.UTF8.GetBytes("""{"image":"registry.example.org/app:1"}"""), table);
        Assert.Same(a.Str("image"), b.Str("image"));
        table.Seal();
        var c = CompactJson.Parse(Encoding.UTF8.GetBytes("""{"image":"registry.example.org/app:1"}"""), table); // after sealing still works
        Assert.Same(a.Str("image"), c.Str("image"));
    }

    [Fact(DisplayName = "Wrong-kind access throws like JsonElement; missing values are Undefined, never exceptions in Json helpers")]
    public void WrongKind()
    {
        var o = CompactJson.Parse("""{"a":[1,2],"s":"x"}""");
        Assert.Throws<InvalidOperationException>(() => o.Get("s").EnumerateArray());
        Assert.Throws<InvalidOperationException>(() => o.Get("a").GetString());
        Assert.Throws<InvalidOperationException>(() => o.Get("a").TryGetProperty("x", out _));
        Assert.Equal(0, o.Get("nope").Count());
        Assert.Empty(o.Get("nope").Items());
        Assert.Equal(2, o.Get("a").Count());
        Assert.Equal("2", o.Get("a")[1].Str());
        Assert.ThrowsAny<JsonException>(() => CompactJson.Parse("""{"a":1} {"b":2}"""));
        Assert.ThrowsAny<JsonException>(() => CompactJson.Parse("""{"a":"""));
    }

    private static void AssertSame(JsonElement expected, CompactJson actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: kind {expected.ValueKind} vs {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var ep = expected.EnumerateObject().ToList();
                var ap = actual.EnumerateObject().ToList();
                Assert.Equal(ep.Count, ap.Count);
                for (var i = 0; i < ep.Count; i++)
                {
                    Assert.Equal(ep[i].Name, ap[i].Name);
                    AssertSame(ep[i].Value, ap[i].Value, path + "." + ep[i].Name);
                    Assert.True(expected.TryGetProperty(ep[i].Name, out var ev));
                    Assert.True(actual.TryGetProperty(ep[i].Name, out var av));
                    AssertSame(ev, av, path + "[" + ep[i].Name + "]");
                }

                Assert.False(actual.TryGetProperty("no-such-key", out _));
                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                var ea = expected.EnumerateArray().ToList();
                var aa = actual.EnumerateArray().ToList();
                for (var i = 0; i < ea.Count; i++)
                {
                    AssertSame(ea[i], aa[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.GetString());
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.GetRawText(), actual.Str());
                Assert.Equal(expected.TryGetInt64(out var el), actual.TryGetInt64(out var al));
                Assert.Equal(el, al);
                break;
        }
    }

    private static readonly string[] Keys = ["name", "image", "spec", "metadata", "labels", "a", "é", "k\"q", "containers", "a"];

    private static void WriteRandom(StringBuilder sb, Random r, int depth)
    {
        var pick = depth > 5 ? r.Next(3, 8) : r.Next(0, 8);
        switch (pick)
        {
            case 0 or 1:
                sb.Append('{');
                var n = r.Next(0, depth == 0 ? 25 : 6);
                for (var i = 0; i < n; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append(JsonSerializer.Serialize(Keys[r.Next(Keys.Length)] + (r.Next(3) == 0 ? "" : r.Next(20).ToString(CultureInfo.InvariantCulture))));
                    sb.Append(':');
                    WriteRandom(sb, r, depth + 1);
                }

                sb.Append('}');
                break;
            case 2:
                sb.Append('[');
                var m = r.Next(0, 6);
                for (var i = 0; i < m; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    WriteRandom(sb, r, depth + 1);
                }

                sb.Append(']');
                break;
            case 3 or 4:
                sb.Append(JsonSerializer.Serialize(new string((char)r.Next(32, 0x2FF), r.Next(0, 5)) + "v" + r.Next(50).ToString(CultureInfo.InvariantCulture)));
                break;
            case 5:
                sb.Append(r.Next(3) switch { 0 => "-12", 1 => "3.25e2", _ => r.Next().ToString(CultureInfo.InvariantCulture) });
                break;
            case 6:
                sb.Append(r.Next(2) == 0 ? "true" : "false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }
}
