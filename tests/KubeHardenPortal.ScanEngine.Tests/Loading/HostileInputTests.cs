using System.Text;
using KubeHardenPortal.ScanEngine.Loading;
using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>
/// Bad or hostile input gives a precise error (file, line, what is wrong), never an exception, a hang or
/// unbounded memory; the good documents and files around it are still loaded.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>
    /// Runs a load and returns it with the bytes it allocated. The allocation bound in the tests below is a
    /// correctness property (an expansion guard that works), set far above what the guarded path needs and far
    /// below what an unguarded expansion would take; it is not a performance measurement.
    /// </summary>
    private static (LoadResult Result, long Allocated) Measure(Func<LoadResult> load)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var r = load();
        return (r, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string BillionLaughs(int levels = 9)
    {
        var sb = new StringBuilder(Doc("ConfigMap", "lol"));
        sb.Append("data:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < levels; i++)
        {
            var name = (char)('a' + i);
            var prev = (char)('a' + i - 1);
            sb.Append($"  {name}: &{name} [").Append(string.Join(",", Enumerable.Repeat("*" + prev, 10))).Append("]\n");
        }

        return sb.ToString();
    }

    [Fact]
    public void BillionLaughs_FailsFastWithAClearMessage_AndBoundedMemory()
    {
        var text = Doc("ConfigMap", "before") + "---\n" + BillionLaughs() + "---\n" + Doc("ConfigMap", "after");
        var (r, allocated) = Measure(() => WithinMinutes(() => Text(text)));
        using (r)
        {
            var e = r.SingleError();
            Assert.Equal("test.yaml", e.File);
            Assert.Contains("alias", e.Message, StringComparison.Ordinal);
            Assert.Contains("billion laughs", e.Message, StringComparison.Ordinal);
            Assert.InRange(e.Line ?? 0, 11, 19);
            Assert.Equal(["before@1", "after@21"], r.NamesAndLines());
        }

        // 10^9 nodes if expanded; the guard stops at LoadLimits.MaxYamlExpandedNodes (2 million).
        Assert.True(allocated < 1_000_000_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void BillionLaughs_RespectsASmallerLimit()
    {
        var (r, allocated) = Measure(() => Text(BillionLaughs(), limits: new LoadLimits { MaxYamlExpandedNodes = 10_000 }));
        using (r)
        {
            r.AssertErrorWithLine("test.yaml", "billion laughs");
        }

        Assert.True(allocated < 50_000_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void AliasBomb_OfLongStrings_IsBoundedToo()
    {
        // Few nodes, huge text: 10,000 references to a 100 kB string would be 1 GB of JSON.
        var big = new string('x', 100_000);
        var text = Doc("ConfigMap", "strings") + $"data:\n  a: &a \"{big}\"\n" +
                   "  b: &b [" + string.Join(",", Enumerable.Repeat("*a", 100)) + "]\n" +
                   "  c: [" + string.Join(",", Enumerable.Repeat("*b", 100)) + "]\n";
        var (r, allocated) = Measure(() => WithinMinutes(() => Text(text)));
        using (r)
        {
            r.AssertErrorWithLine("test.yaml", "alias", "billion laughs");
        }

        Assert.True(allocated < 1_000_000_000, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void AliasBomb_ThroughMergeKeys_IsBounded()
    {
        // Each *m merges 1,000 copies of a 1,000-key mapping: a million key look-ups per reference, while only
        // 1,000 keys are written. 1,000 references would be a billion look-ups unless merges are counted too.
        var sb = new StringBuilder(Doc("ConfigMap", "merges")).Append("data:\n  a: &a {");
        sb.Append(string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"k{i}: {i}"))).Append("}\n");
        sb.Append("  m: &m\n    <<: [").Append(string.Join(",", Enumerable.Repeat("*a", 1000))).Append("]\n");
        sb.Append("  c: [").Append(string.Join(",", Enumerable.Repeat("*m", 1000))).Append("]\n");
        using var r = WithinMinutes(() => Text(sb.ToString()));
        r.AssertErrorWithLine("test.yaml", "billion laughs");
    }

    [Fact]
    public void LegitimateLargeDocument_WithoutAliases_IsNotMistakenForABomb()
    {
        // A single kubectl-style List with more nodes than the alias budget: only alias expansion is limited.
        var sb = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (var i = 0; i < 2_000; i++)
        {
            sb.Append("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm").Append(i).Append("\n  data:\n");
            for (var k = 0; k < 10; k++)
            {
                sb.Append("    k").Append(k).Append(": v\n");
            }
        }

        using var r = Text(sb.ToString(), limits: new LoadLimits { MaxYamlExpandedNodes = 1_000 });
        r.NoErrors();
        Assert.Equal(2_000, r.Snapshot.Objects.Count);
    }

    [Fact]
    public void RecursiveAlias_IsRejected()
    {
        using var r = Text(Doc("Thing", "t") + "spec:\n  a: &a [1, *a]\n---\n" + Doc("Thing", "u") + "spec: &m\n  self: *m\n");
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal(6, r.Errors[0].Line);
        Assert.Contains("recursive YAML alias *a", r.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(13, r.Errors[1].Line);
        Assert.Contains("recursive YAML alias *m", r.Errors[1].Message, StringComparison.Ordinal);
        Assert.Empty(r.Snapshot.Objects);
    }

    [Fact]
    public void DeepYamlNesting_IsRejected()
    {
        var deep = Doc("Thing", "t") + "spec: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        using var r = WithinMinutes(() => Text(deep));
        r.AssertError("test.yaml", 5, "nesting deeper than 128 levels");

        var block = new StringBuilder(Doc("Thing", "b"));
        for (var i = 0; i < 200; i++)
        {
            block.Append(new string(' ', i * 2)).Append("k:\n");
        }

        using var rb = Text(block.ToString(), limits: new LoadLimits { MaxDepth = 64 });
        // The root mapping is level 1; the mapping opened on line 5 + i is level i + 1, so level 65 opens on line 69.
        rb.AssertError("test.yaml", 69, "nesting deeper than 64 levels");
    }

    [Fact]
    public void DeepNestingThroughAliases_IsRejected()
    {
        var nested = new string('[', 100) + new string(']', 100);
        var text = Doc("Thing", "t") + $"spec:\n  a: &a {nested}\n  b: &b {new string('[', 100)}*a{new string(']', 100)}\n";
        using var r = Text(text);
        r.AssertErrorWithLine("test.yaml", "nesting deeper than 128 levels");
    }

    [Fact]
    public void DeepJsonNesting_IsRejected()
    {
        using var dir = new TempDir();
        var file = dir.Write("deep.json", "{\"apiVersion\":\"v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"t\"},\n\"spec\":" +
                                          new string('[', 100_000) + new string(']', 100_000) + "}");
        using var r = Load(file);
        r.AssertError(file, 2, "nesting deeper than 128 levels");
    }

    [Fact]
    public void InvalidYaml_ReportsTheLine_AndKeepsTheOtherDocuments()
    {
        var text =
            Doc("ConfigMap", "one") +      // 1-4
            "---\n" +                      // 5
            "apiVersion: v1\n" +           // 6
            "kind: ConfigMap\n" +          // 7
            "metadata:\n" +                // 8
            "  name: two\n" +              // 9
            "data:\n" +                    // 10
            "  key: \"unterminated\n" +    // 11
            "---\n" +                      // 12
            Doc("ConfigMap", "three") +    // 13-16
            "---\n" +                      // 17
            "apiVersion: v1\n" +           // 18
            "kind: ConfigMap\n" +          // 19
            "metadata:\n" +                // 20
            "  name: four\n" +             // 21
            " bad: indentation\n" +        // 22
            "---\n" +                      // 23
            "apiVersion: v1\n" +           // 24
            "kind: [unclosed\n" +          // 25
            "---\n" +                      // 26
            Doc("ConfigMap", "five");      // 27
        using var r = Text(text);
        Assert.Equal(["one@1", "three@13", "five@27"], r.NamesAndLines());
        Assert.Equal(3, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.StartsWith("invalid YAML: ", e.Message, StringComparison.Ordinal));
        Assert.Equal(11, r.Errors[0].Line);
        Assert.Equal(22, r.Errors[1].Line);
        Assert.InRange(r.Errors[2].Line ?? 0, 25, 26);
        Assert.All(r.Errors, e => Assert.DoesNotContain("Idx:", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void TabIndentation_IsInvalidYamlWithItsLine()
    {
        using var r = Text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n");
        r.AssertError("test.yaml", 4, "invalid YAML");
    }

    [Fact]
    public void InvalidJson_ReportsTheLine()
    {
        using var dir = new TempDir();
        var trailingComma = dir.Write("comma.json", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"a\"},\n}\n");
        var unterminated = dir.Write("open.json", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"a\"\n");
        var comment = dir.Write("comment.json", "{\n  // comment\n  \"kind\": \"ConfigMap\"}\n");
        var twoValues = dir.Write("two.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n\n{\"b\":1}\n");
        var good = dir.Write("good.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"good\"}}");
        using var r = Load(trailingComma, unterminated, comment, twoValues, good);
        Assert.Equal(["good@1"], r.NamesAndLines());
        Assert.Equal(4, r.Errors.Count);
        Assert.Equal((trailingComma, 5), (r.Errors[0].File, r.Errors[0].Line ?? 0));
        Assert.Equal((unterminated, 5), (r.Errors[1].File, r.Errors[1].Line ?? 0));
        Assert.Equal((comment, 2), (r.Errors[2].File, r.Errors[2].Line ?? 0));
        Assert.Equal((twoValues, 3), (r.Errors[3].File, r.Errors[3].Line ?? 0));
        Assert.All(r.Errors, e =>
        {
            Assert.StartsWith("invalid JSON: ", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("LineNumber", e.Message, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("- a\n- b\n", 1, "document is a YAML list")]
    [InlineData("just a string\n", 1, "plain value")]
    [InlineData("# c\n42\n", 2, "plain value")]
    [InlineData("metadata: {name: x}\napiVersion: v1\n", 1, "missing or non-string \"kind\"")]
    [InlineData("kind: Pod\nmetadata: {name: x}\n", 1, "missing or non-string \"apiVersion\"")]
    [InlineData("apiVersion: v1\nkind: [Pod]\nmetadata: {name: x}\n", 1, "missing or non-string \"kind\"")]
    [InlineData("apiVersion: v1\nkind: Pod\n", 1, "Pod has no metadata.name")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\n", 1, "Pod has no metadata.name")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: [name]\n", 1, "Pod has no metadata.name")]
    [InlineData("\n\napiVersion: v1\nkind: Pod\nmetadata: {name: 5}\n", 3, "metadata.name must be a string")]
    [InlineData("apiVersion: v1\nkind: List\nitems: {}\n", 1, "List has no metadata.name")]
    public void DocumentThatIsNotAKubernetesObject_IsReportedWithItsLine(string yaml, int line, string message)
    {
        using var r = Text(Doc("ConfigMap", "ok") + "---\n" + yaml);
        r.AssertError("test.yaml", line + 5, message);
        Assert.Equal(["ok@1"], r.NamesAndLines());
    }

    [Theory]
    [InlineData("[1, 2]", "not an object")]
    [InlineData("[]", "not an object")]
    [InlineData("{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"}}", "missing or non-string \"apiVersion\"")]
    [InlineData("{\"apiVersion\": \"v1\", \"metadata\": {\"name\": \"x\"}}", "missing or non-string \"kind\"")]
    [InlineData("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}", "Pod has no metadata.name")]
    public void JsonThatIsNotAKubernetesObject_IsReported(string json, string message)
    {
        using var dir = new TempDir();
        var file = dir.Write("x.json", "\n" + json);
        using var r = Load(file);
        r.AssertError(file, 2, message);
    }

    [Fact]
    public void RandomBinaryGarbage_IsReportedAsBinary()
    {
        using var dir = new TempDir();
        var rng = new Random(1234);
        var files = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var bytes = new byte[rng.Next(1, 5000)];
            rng.NextBytes(bytes);
            bytes[0] = 0xFF; // never a gzip header, never '{'
            files.Add(dir.Write($"garbage{i:00}.yaml", bytes));
        }

        files.Add(dir.Write("good.yaml", Doc("ConfigMap", "good")));
        using var r = Load([.. files]);
        Assert.Equal(["good@1"], r.NamesAndLines());
        Assert.Equal(20, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.Contains("binary or non-UTF-8", e.Message, StringComparison.Ordinal));
        Assert.Equal(files.Take(20), r.Errors.Select(e => e.File));
        Assert.Equal(21, r.FilesRead);
    }

    [Fact]
    public void NulBytes_AreBinary_WithTheLineOfTheFirstOne()
    {
        using var dir = new TempDir();
        var file = dir.Write("nul.yaml", Encoding.UTF8.GetBytes("apiVersion: v1\nkind: Pod\nmeta\0data: {}\n"));
        using var r = Load(file);
        r.AssertError(file, 3, "binary", "NUL");
    }

    [Fact]
    public void InvalidUtf8_IsReportedWithTheLineOfTheBadByte()
    {
        using var dir = new TempDir();
        var bytes = Encoding.UTF8.GetBytes("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: café ✓ 😀\ndata:\n  k: ").Concat(new byte[] { 0xC3, 0x28, 0x0A }).ToArray();
        var file = dir.Write("latin1.yaml", bytes);
        using var r = Load(file);
        r.AssertError(file, 6, "non-UTF-8", "0xC3");

        // Latin-1 text saved by an old editor.
        var latin1 = dir.Write("old.yaml", Encoding.Latin1.GetBytes("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\u00e9\n"));
        using var r2 = Load(latin1);
        r2.AssertError(latin1, 4, "non-UTF-8");
    }

    [Fact]
    public void InvalidUtf8_DeepInALargeMultiByteFile_IsFoundQuickly()
    {
        // Finding the bad byte's line must be one pass, not one pass per character.
        var sb = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cjk}\ndata:\n");
        for (var i = 0; i < 40_000; i++)
        {
            sb.Append("  k").Append(i).Append(": 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字\n");
        }

        var bytes = Encoding.UTF8.GetBytes(sb.ToString()).Concat(new byte[] { 0xFF, 0x0A }).ToArray();
        using var dir = new TempDir();
        var file = dir.Write("cjk.yaml", bytes);
        using var r = WithinMinutes(() => Load(file));
        r.AssertError(file, 40_005, "non-UTF-8");
    }

    [Fact]
    public void Utf16_IsReportedAsSuch()
    {
        using var dir = new TempDir();
        var le = dir.Write("le.yaml", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Doc("Pod", "p"))).ToArray());
        var be = dir.Write("be.yaml", Encoding.BigEndianUnicode.GetPreamble().Concat(Encoding.BigEndianUnicode.GetBytes(Doc("Pod", "p"))).ToArray());
        var noBom = dir.Write("nobom.json", Encoding.Unicode.GetBytes("{\"apiVersion\": \"v1\"}"));
        using var r = Load(le, be, noBom);
        Assert.Equal(3, r.Errors.Count);
        Assert.Contains("UTF-16", r.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("UTF-16", r.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("binary", r.Errors[2].Message, StringComparison.Ordinal);
        Assert.Equal([le, be, noBom], r.Errors.Select(e => e.File));
    }

    [Fact]
    public void FileOverTheSizeLimit_IsNotRead()
    {
        using var dir = new TempDir();
        var limits = new LoadLimits { MaxFileBytes = 1024, MaxYamlBytes = 512 };
        var big = dir.Write("big.yaml", Doc("ConfigMap", "big") + "data:\n  k: " + new string('x', 2000) + "\n");
        var bigYaml = dir.Write("medium.yaml", Doc("ConfigMap", "medium") + "data:\n  k: " + new string('x', 600) + "\n");
        var json = dir.Write("medium.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"mj\"},\"data\":{\"k\":\"" + new string('x', 600) + "\"}}");
        var small = dir.Write("small.yaml", Doc("ConfigMap", "small"));
        using var r = Load(limits, big, bigYaml, json, small);
        Assert.Equal(["mj@1", "small@1"], r.NamesAndLines());
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal(big, r.Errors[0].File);
        Assert.Contains("over the 1024 bytes limit", r.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(bigYaml, r.Errors[1].File);
        Assert.Contains("over the 512 bytes YAML limit", r.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_OverTheSizeLimit_IsNotRead()
    {
        using var r = Text(Doc("ConfigMap", "big") + "data:\n  k: " + new string('x', 2000) + "\n", "upload.yaml",
            new LoadLimits { MaxFileBytes = 1024 });
        r.AssertError("upload.yaml", null, "over the 1024 bytes limit");
        Assert.Empty(r.Snapshot.Objects);
    }

    [Fact]
    public void GzipBomb_StopsAtTheDecompressedLimit()
    {
        using var dir = new TempDir();
        var bomb = dir.WriteGzip("bomb.json.gz", new byte[20 * 1024 * 1024], System.IO.Compression.CompressionLevel.SmallestSize);
        Assert.True(new FileInfo(bomb).Length < 100_000, $"bomb is {new FileInfo(bomb).Length} bytes");
        var (r, allocated) = Measure(() => Load(new LoadLimits { MaxDecompressedBytes = 1024 * 1024 }, bomb));
        using (r)
        {
            r.AssertError(bomb, null, "gzip", "beyond 1 MiB", "gzip bomb");
        }

        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void CorruptAndTruncatedGzip_AreReported()
    {
        using var dir = new TempDir();
        var good = Encoding.UTF8.GetBytes(Doc("ConfigMap", "gz"));
        var okFile = dir.WriteGzip("ok.yaml.gz", good);
        var full = File.ReadAllBytes(okFile);

        var corrupt = (byte[])full.Clone();
        for (var i = 10; i < corrupt.Length - 8; i++)
        {
            corrupt[i] ^= 0x5A;
        }

        var corruptFile = dir.Write("corrupt.yaml.gz", corrupt);
        var headerOnly = dir.Write("header.json.gz", [0x1f, 0x8b]);
        var truncated = dir.Write("truncated.yaml.gz", full[..(full.Length / 2)]);
        // Concatenated gzip members (cat a.gz b.gz) are one valid gzip stream.
        using var ms = new MemoryStream();
        ms.Write(File.ReadAllBytes(dir.WriteGzip("part1.gz", Encoding.UTF8.GetBytes(Doc("ConfigMap", "m1") + "---\n"))));
        ms.Write(File.ReadAllBytes(dir.WriteGzip("part2.gz", Encoding.UTF8.GetBytes(Doc("ConfigMap", "m2")))));
        var members = dir.Write("members.yaml.gz", ms.ToArray());
        using var rm = Load(members);
        rm.NoErrors();
        Assert.Equal(["m1@1", "m2@6"], rm.NamesAndLines());

        using var r = Load(okFile, corruptFile, headerOnly, truncated);
        Assert.Equal(["gz@1"], r.NamesAndLines());
        Assert.Equal([corruptFile, headerOnly, truncated], r.Errors.Select(e => e.File));
        Assert.All(r.Errors, e => Assert.Contains("gzip", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void UnreadableFile_IsReported_AndOthersStillLoad()
    {
        using var dir = new TempDir();
        var locked = dir.Write("locked.yaml", Doc("ConfigMap", "locked"));
        var open = dir.Write("open.yaml", Doc("ConfigMap", "open"));
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions only.
        }

        File.SetUnixFileMode(locked, UnixFileMode.None);

        bool readable;
        try
        {
            using (File.OpenRead(locked))
            {
            }

            readable = true;
        }
        catch (UnauthorizedAccessException)
        {
            readable = false;
        }

        using var r = Load(locked, open);
        if (readable)
        {
            // Running as root (as CI does): mode 000 does not stop root from reading, so the file simply loads.
            r.NoErrors();
            Assert.Equal(["locked@1", "open@1"], r.NamesAndLines());
        }
        else
        {
            r.AssertError(locked, null, "cannot read file");
            Assert.Equal(["open@1"], r.NamesAndLines());
        }
    }

    [Fact]
    public void MissingPath_IsReported_AndOthersStillLoad()
    {
        using var dir = new TempDir();
        var missing = dir.PathOf("nope/missing.yaml");
        var ok = dir.Write("ok.yaml", Doc("ConfigMap", "ok"));
        using var r = Load(missing, ok);
        r.AssertError(missing, null, "no such file or folder");
        Assert.Equal(["ok@1"], r.NamesAndLines());
    }

    [Fact]
    public void SpecialFiles_AreBounded()
    {
        // /dev/zero never ends and has no length: the size limit must still stop the read.
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        using var r = WithinMinutes(() => Load(new LoadLimits { MaxFileBytes = 1024 * 1024 }, "/dev/zero"));
        r.AssertError("/dev/zero", null, "over the 1 MiB limit");
    }

    [Fact]
    public void OneBadFile_DoesNotStopTheOthers()
    {
        using var dir = new TempDir();
        dir.Write("m/01-good.yaml", Doc("ConfigMap", "g1"));
        dir.Write("m/02-bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
        dir.Write("m/03-binary.json", [0x00, 0x01, 0x02, 0xFF]);
        dir.Write("m/04-good.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"g2\"}}");
        dir.Write("m/05-notk8s.yaml", "hello: world\n");
        dir.Write("m/06-good.yml", Doc("ConfigMap", "g3"));
        using var r = Load(dir.PathOf("m"));
        Assert.Equal(["g1@1", "g2@1", "g3@1"], r.NamesAndLines());
        Assert.Equal(["02-bad.yaml", "03-binary.json", "05-notk8s.yaml"], r.Errors.Select(e => Path.GetFileName(e.File)));
        Assert.All(r.Errors, e => Assert.NotNull(e.Line));
        Assert.Equal(6, r.FilesRead);
    }

    [Fact]
    public void MutatedInput_NeverThrows()
    {
        // A small fuzz: random edits of valid YAML and JSON must end as objects or errors, never an exception.
        var yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, labels: &l {a: b}}\n" +
                   "  spec:\n    containers:\n    - name: c\n      image: \"nginx\"\n      args: ['--x', \"y\\n\"]\n      env: [{<<: *l, name: n}]\n" +
                   "---\n%YAML 1.1\n--- !tag\n? complex\n: |\n  block\n...\n";
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\"},\"spec\":{\"x\":[1,2.5e3,true,null,\"\\u00e9\"]}}]}";
        var alphabet = "{}[]:,-?&*!|>'\"#%@`\\\n\r\t ~.0123456789eE+xabc\u00e9\u2028\u0085\uFEFF";
        var rng = new Random(42);
        var loader = new InputLoader(new LoadLimits { MaxYamlExpandedNodes = 10_000, MaxDepth = 32 });
        for (var i = 0; i < 3_000; i++)
        {
            var source = i % 2 == 0 ? yaml : json;
            var chars = source.ToCharArray().ToList();
            for (var edits = rng.Next(1, 6); edits > 0; edits--)
            {
                var at = rng.Next(chars.Count);
                switch (rng.Next(3))
                {
                    case 0:
                        chars.RemoveAt(at);
                        break;
                    case 1:
                        chars.Insert(at, alphabet[rng.Next(alphabet.Length)]);
                        break;
                    default:
                        chars[at] = alphabet[rng.Next(alphabet.Length)];
                        break;
                }
            }

            var text = new string([.. chars]);
            using var r = loader.LoadText(i % 2 == 0 ? "fuzz.yaml" : "fuzz.json", text);
            Assert.All(r.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        }
    }

    [Fact]
    public void Cancellation_IsTheOnlyException()
    {
        using var dir = new TempDir();
        var file = dir.Write("a.yaml", Doc("ConfigMap", "a"));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => new InputLoader().Load([file], cts.Token));
    }
}
