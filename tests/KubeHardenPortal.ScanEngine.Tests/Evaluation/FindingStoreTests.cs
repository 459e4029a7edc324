using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Reporting;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation;

public sealed class FindingStoreTests
{
    private static readonly ResourceRef Pod = new("v1", "Pod", "shop", "api-0");
    private static readonly SourceLocation Source = new("pods.yaml", 12);

    private static void Add(FindingStore store, string message, int i = 0, bool evidence = true) =>
        store.Add(Severity.High, ResultStatus.Fail, Pod, new ContainerInfo("app", ContainerType.Regular), message, evidence,
            evidence ? $"spec.containers[{i}].image" : null, evidence ? "nginx:1.27" : null, Source,
            Fingerprints.Hash("cluster", "KH-IMG-001", Pod, "app", $"k{i}"), $"k{i}");

    [Fact]
    public void A_finding_reads_back_exactly_as_stored()
    {
        var store = new FindingStore("KH-IMG-001");
        Add(store, "container \"app\" image \"nginx:1.27\" is tagged but not pinned to a digest");

        var f = store[0];

        Assert.Equal(new Finding("KH-IMG-001", Severity.High, ResultStatus.Fail, Pod, new ContainerInfo("app", ContainerType.Regular),
            "container \"app\" image \"nginx:1.27\" is tagged but not pinned to a digest",
            new Evidence("spec.containers[0].image", "nginx:1.27"), Source,
            Fingerprints.Compute("cluster", "KH-IMG-001", Pod, "app", "k0"), "k0"), f);
        Assert.Matches("^[0-9a-f]{32}$", f.Fingerprint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Umlaut ä, CJK 漢字, emoji 🔐 and a quote \"")]
    public void Empty_and_non_ascii_messages_survive_the_utf8_store(string message)
    {
        var store = new FindingStore("KH-X");
        Add(store, message);

        Assert.Equal(message, store[0].Message);
    }

    [Fact]
    public void Messages_spill_into_new_chunks_and_long_messages_are_kept_whole()
    {
        var store = new FindingStore("KH-X");
        var messages = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            // 3,000 × ~100 bytes crosses several 64 KiB chunks; every 500th is longer than a quarter chunk.
            var m = i % 500 == 0 ? new string('x', 20_000) + i : $"message {i} " + new string((char)('a' + (i % 26)), 80 + (i % 17));
            messages.Add(m);
            Add(store, m, i);
        }

        Assert.Equal(3000, store.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            Assert.Equal(messages[i], store[i].Message);
            Assert.Equal($"k{i}", store[i].SubKey);
        }
    }

    [Fact]
    public void Evidence_is_absent_only_when_it_was_not_given()
    {
        var store = new FindingStore("KH-X");
        Add(store, "no evidence", evidence: false);
        store.Add(Severity.Low, ResultStatus.Unknown, Pod, null, "observed only", true, "", "value", null, 0, null);

        Assert.Null(store[0].Evidence);
        Assert.Equal(new Evidence("", "value"), store[1].Evidence);
        Assert.Null(store[1].Container);
        Assert.Equal(ResultStatus.Unknown, store[1].Status);
        Assert.Equal(new string('0', 32), store[1].Fingerprint);
    }

    [Fact]
    public void The_list_reads_stores_in_order_and_skips_empty_ones()
    {
        var a = new FindingStore("KH-A");
        var empty = new FindingStore("KH-B");
        var c = new FindingStore("KH-C");
        for (var i = 0; i < 600; i++)
        {
            Add(a, $"a{i}", i);
        }

        Add(c, "c0");

        var list = new FindingList([empty, a, empty, c, empty]);

        Assert.Equal(601, list.Count);
        Assert.Equal("a0", list[0].Message);
        Assert.Equal("a599", list[599].Message);
        Assert.Equal("KH-C", list[600].CheckId);
        Assert.Equal(list.Select(f => f.Message), Enumerable.Range(0, 600).Select(i => $"a{i}").Append("c0"));
        Assert.Throws<ArgumentOutOfRangeException>(() => list[601]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1]);
        Assert.Empty(new FindingList([empty]));
    }

    [Fact]
    public void Report_order_from_stored_keys_equals_the_stable_LINQ_order_including_ties()
    {
        var random = new Random(7);
        string[] namespaces = ["a", "b", "kube-system"];
        string[] kinds = ["Deployment", "Pod", "Role"];
        var stores = new[] { new FindingStore("KH-B"), new FindingStore("KH-A"), new FindingStore("KH-B") };
        var n = 0;
        foreach (var store in stores)
        {
            for (var i = 0; i < 400; i++)
            {
                var resource = new ResourceRef("v1", kinds[random.Next(3)], random.Next(4) == 0 ? null : namespaces[random.Next(3)], "o" + random.Next(5));
                var container = random.Next(3) == 0 ? null : new ContainerInfo("c" + random.Next(2), ContainerType.Regular);
                // A few fingerprints repeat on purpose, so full ties must keep list order.
                var fingerprint = Fingerprints.Hash("", store.CheckId, resource, container?.Name, "k" + random.Next(3));
                store.Add(Severity.Low, ResultStatus.Fail, resource, container, $"#{n++}", false, null, null, null, fingerprint, null);
            }
        }

        var list = new FindingList(stores);
        var linq = list.ToList()
            .OrderBy(f => f.CheckId, StringComparer.Ordinal)
            .ThenBy(f => f.Resource.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Resource.Kind, StringComparer.Ordinal)
            .ThenBy(f => f.Resource.Name, StringComparer.Ordinal)
            .ThenBy(f => f.Container?.Name ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Fingerprint, StringComparer.Ordinal)
            .Select(f => f.Message);

        Assert.Equal(linq, JsonReportWriter.Ordered(list).Select(f => f.Message));
    }

    [Fact]
    public void One_checks_findings_come_in_report_order_and_are_counted_by_status_without_the_others()
    {
        // Two stores of one check (as the LINQ fallback would see them) and one of another; statuses mixed.
        var b1 = new FindingStore("KH-B");
        var a = new FindingStore("KH-A");
        var b2 = new FindingStore("KH-B");
        var n = 0;
        foreach (var (store, count) in new[] { (b1, 30), (a, 20), (b2, 25) })
        {
            for (var i = 0; i < count; i++)
            {
                var resource = new ResourceRef("v1", "Pod", "ns" + (i % 3), "p" + (count - i));
                var status = i % 4 == 0 ? ResultStatus.Unknown : ResultStatus.Fail;
                store.Add(Severity.Low, status, resource, null, $"#{n++}", false, null, null, null,
                    Fingerprints.Hash("", store.CheckId, resource, null, null), null);
            }
        }

        var list = new FindingList([b1, a, b2]);
        var plain = list.ToList();

        foreach (var id in new[] { "KH-A", "KH-B", "KH-X" })
        {
            Assert.Equal(
                JsonReportWriter.Ordered(list).Where(f => f.CheckId == id).Select(f => f.Message),
                JsonReportWriter.Ordered(list, id).Select(f => f.Message));
            // The same answers from a plain list (the LINQ path) as from the stored rows.
            Assert.Equal(
                JsonReportWriter.Ordered(plain, id).Select(f => f.Message),
                JsonReportWriter.Ordered(list, id).Select(f => f.Message));
            Assert.Equal(plain.Count(f => f.CheckId == id && f.Status == ResultStatus.Fail),
                JsonReportWriter.Count(list, id, s => s == ResultStatus.Fail));
            Assert.Equal(JsonReportWriter.Count(plain, id, _ => true), JsonReportWriter.Count(list, id, _ => true));
        }

        Assert.Equal(55, JsonReportWriter.Count(list, "KH-B", _ => true));
        Assert.Equal(15, JsonReportWriter.Count(list, "KH-A", s => s == ResultStatus.Fail));
    }
}
