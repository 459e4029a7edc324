using System.Globalization;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation;

/// <summary>
/// Unit.Fail($"…") formats into the unit's buffer (FailMessage) instead of making a string: the text must be exactly
/// what string interpolation gives, for every kind of hole, and messages of one unit must not bleed into each other.
/// </summary>
public sealed class FailMessageTests
{
    private const string Pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: shop}
        spec:
          containers: [{name: c, image: registry.example.org/app:1.0.0}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: shop}
        spec:
          containers: [{name: c, image: registry.example.org/app:1.0.0}]
        """;

    private enum Mode
    {
        Strict,
    }

    private sealed class Formattable(string text) : IFormattable
    {
        public string ToString(string? format, IFormatProvider? formatProvider) => $"{text}[{format ?? "-"}]";
    }

    /// <summary>The values every hole kind is tried with; the same expressions build the expected strings.</summary>
    private static readonly object?[] Values =
        [12345.678, -7, 3L, 'x', true, Mode.Strict, new Formattable("f"), null, new DateTime(2026, 11, 27, 8, 5, 0), new string('w', 300)];

    private sealed class Interpolating : WorkloadCheck
    {
        public List<string> Expected { get; } = [];

        public long AllocatedByLongFail { get; private set; } = -1;

        public override CheckDefinition Definition { get; } = TestChecks.PodSpec("KH-TEST-002", Severity.Medium);

        protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
        {
            string? nothing = null;
            var name = workload.Object.Name;
            var n = Values.Length;
            for (var i = 0; i < n; i++)
            {
                var v = Values[i];
                double d = 12345.678;
                int count = i;
                Expected.Add($"{name} #{count}: {v} | {d:N2} | {count,5} | {count,-4}| {v,12} | {nothing} | {name.AsSpan(0, 1)} | {d:E3}");
                unit.Fail($"{name} #{count}: {v} | {d:N2} | {count,5} | {count,-4}| {v,12} | {nothing} | {name.AsSpan(0, 1)} | {d:E3}",
                    workload.Path("x"), key: $"k{i}");
            }

            // The point of the handler: a long interpolated message allocates nothing once the unit's buffer has grown.
            var wide = new string('z', 2000);
            unit.Fail($"{name} warm-up {wide}", key: "warm");
            var before = GC.GetAllocatedBytesForCurrentThread();
            unit.Fail($"{name} measured {wide} {n}", key: "measured");
            AllocatedByLongFail = GC.GetAllocatedBytesForCurrentThread() - before;
            Expected.Add($"{name} warm-up {wide}");
            Expected.Add($"{name} measured {wide} {n}");

            // A plain string still goes through the string overload, after interpolated ones in the same unit.
            Expected.Add("plain " + name);
            unit.Fail("plain " + name, workload.Path("y"), key: "plain");
        }
    }

    private static (Interpolating Check, ScanReport Report) Run()
    {
        using var load = new InputLoader().LoadText("test.yaml", Pods);
        var check = new Interpolating();
        return (check, Scanner.Evaluate(load.Snapshot, new ScanOptions { Now = FixtureOptions.DefaultNow }, [check]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Interpolated_messages_read_back_exactly_as_string_interpolation_formats_them(bool commaDecimals)
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            // Interpolation formats with the current culture; the handler must do the same. The engine runs in invariant
            // globalization mode, so a German-like culture is made by hand (12.345,68).
            var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            if (commaDecimals)
            {
                culture.NumberFormat.NumberDecimalSeparator = ",";
                culture.NumberFormat.NumberGroupSeparator = ".";
            }

            CultureInfo.CurrentCulture = culture;
            var (check, report) = Run();

            var messages = report.Findings.Select(f => f.Message).ToList();
            Assert.Equal(2 * (Values.Length + 3), messages.Count);
            Assert.Equal(check.Expected.Order(StringComparer.Ordinal), messages.Order(StringComparer.Ordinal));
            Assert.Contains(messages, m => m.Contains(new string('w', 300), StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Contains(commaDecimals ? "12.345,68" : "12,345.68", StringComparison.Ordinal));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void An_interpolated_failure_message_is_not_made_into_a_string()
    {
        var (check, _) = Run();

        // A 2,000-character message as a string would be 4 KB; the violation list slot may grow, nothing else.
        Assert.InRange(check.AllocatedByLongFail, 0, 1024);
    }

    [Fact]
    public void Each_unit_starts_with_an_empty_buffer()
    {
        var (_, report) = Run();

        // Messages of the first pod never leak into the second pod's findings and vice versa.
        foreach (var f in report.Findings)
        {
            var other = f.Resource.Name == "a" ? "b" : "a";
            Assert.StartsWith(f.Message.StartsWith("plain", StringComparison.Ordinal) ? "plain " + f.Resource.Name : f.Resource.Name + " ", f.Message);
            Assert.DoesNotContain(other + " ", f.Message, StringComparison.Ordinal);
        }
    }
}
