using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Reporting;

/// <summary>
/// The stable JSON report (docs/json-report.md). Field names and meanings only ever grow; a breaking change gets a
/// new <see cref="SchemaVersion"/>.
/// </summary>
public static class JsonReportWriter
{
    public const string SchemaVersion = "kubeharden.io/report/v1";

    public static void Write(Utf8JsonWriter w, ScanReport report, IReadOnlyList<InputError> inputErrors, ReportOptions options)
    {
        w.WriteStartObject();
        w.WriteString("schemaVersion", SchemaVersion);
        w.WriteString("engineVersion", report.EngineVersion);
        w.WriteString("catalogVersion", report.CatalogVersion);
        w.WriteString("scoreFormulaVersion", report.Score.FormulaVersion);

        w.WriteStartObject("cluster");
        w.WriteString("name", report.Cluster.Name);
        w.WriteString("mode", report.Mode == SnapshotMode.Manifests ? "manifests" : "cluster");
        WriteNullable(w, "serverVersion", report.Cluster.ServerGitVersion);
        WriteNullable(w, "provider", report.Cluster.Provider);
        if (report.Cluster.CollectedAt is { } at)
        {
            w.WriteString("collectedAt", at);
        }
        else
        {
            w.WriteNull("collectedAt");
        }

        w.WriteEndObject();

        WriteSummary(w, report, inputErrors);
        WriteScore(w, report);

        w.WriteStartArray("checks");
        foreach (var c in report.Checks)
        {
            w.WriteStartObject();
            w.WriteString("id", c.Definition.Id);
            w.WriteString("title", c.Definition.Title);
            w.WriteString("severity", c.Definition.Severity.Text());
            w.WriteString("section", c.Definition.Section);
            w.WriteString("status", CheckStatus(c));
            w.WriteNumber("pass", c.Pass);
            w.WriteNumber("fail", c.Fail);
            w.WriteNumber("notApplicable", c.NotApplicable);
            w.WriteNumber("excluded", c.Excluded);
            w.WriteNumber("unknown", c.Unknown);
            w.WriteNumber("manual", c.Manual);
            w.WriteNumber("advisories", c.Advisories);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("findings");
        foreach (var f in Ordered(report.Findings))
        {
            if (f.Status != ResultStatus.Fail && !options.IncludeUndecided)
            {
                continue;
            }

            WriteFinding(w, f);
            FlushEvery(w);
        }

        w.WriteEndArray();

        // Always written (not gated by --show-advisories): a separate array, so readers of "findings" are unaffected.
        w.WriteStartArray("advisories");
        foreach (var a in Ordered(report.Advisories))
        {
            WriteAdvisory(w, a);
            FlushEvery(w);
        }

        w.WriteEndArray();

        w.WriteStartArray("coverage");
        foreach (var c in report.Coverage.OrderBy(c => c.Resource, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("resource", c.Resource);
            w.WriteString("status", char.ToLowerInvariant(c.Status.ToString()[0]) + c.Status.ToString()[1..]);
            if (c.Count is { } n)
            {
                w.WriteNumber("count", n);
            }

            WriteNullable(w, "message", c.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("inputErrors");
        foreach (var e in inputErrors)
        {
            w.WriteStartObject();
            w.WriteString("file", e.File);
            if (e.Line is { } l)
            {
                w.WriteNumber("line", l);
            }
            else
            {
                w.WriteNull("line");
            }

            w.WriteString("message", e.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Findings in a stable order: section order of the catalog, check id, resource, container.</summary>
    public static IEnumerable<Finding> Ordered(IEnumerable<Finding> findings) =>
        findings is FindingList stored ? stored.InReportOrder() :
        findings.OrderBy(f => f.CheckId, StringComparer.Ordinal)
            .ThenBy(f => f.Resource.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Resource.Kind, StringComparer.Ordinal)
            .ThenBy(f => f.Resource.Name, StringComparer.Ordinal)
            .ThenBy(f => f.Container?.Name ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Fingerprint, StringComparer.Ordinal);

    /// <summary>
    /// The findings of one check in report order. For an engine report only that check's findings are sorted and each is
    /// made as it is read, so a writer that goes check by check (the table) never holds them all.
    /// </summary>
    public static IEnumerable<Finding> Ordered(IEnumerable<Finding> findings, string checkId) =>
        findings is FindingList stored ? stored.InReportOrder(checkId) : Ordered(findings.Where(f => f.CheckId == checkId));

    /// <summary>How many findings of one check have a status <paramref name="counted"/> accepts.</summary>
    public static int Count(IEnumerable<Finding> findings, string checkId, Func<ResultStatus, bool> counted) =>
        findings is FindingList stored ? stored.CountOf(checkId, counted) : findings.Count(f => f.CheckId == checkId && counted(f.Status));

    /// <summary>Advisories in the same stable order as findings.</summary>
    public static IEnumerable<Advisory> Ordered(IEnumerable<Advisory> advisories) =>
        advisories.OrderBy(a => a.CheckId, StringComparer.Ordinal)
            .ThenBy(a => a.Resource.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(a => a.Resource.Kind, StringComparer.Ordinal)
            .ThenBy(a => a.Resource.Name, StringComparer.Ordinal)
            .ThenBy(a => a.Container?.Name ?? "", StringComparer.Ordinal)
            .ThenBy(a => a.Fingerprint, StringComparer.Ordinal);

    /// <summary>
    /// Utf8JsonWriter never flushes by itself: without this a report (40 MB of JSON at 50,000 objects) was built whole in
    /// memory, in a doubling buffer, before the first byte reached the file or standard output.
    /// </summary>
    internal static void FlushEvery(Utf8JsonWriter w)
    {
        if (w.BytesPending >= FlushBytes)
        {
            w.Flush();
        }
    }

    private const int FlushBytes = 64 * 1024;

    /// <summary>Failing findings per severity, counted in one pass (nothing kept).</summary>
    public static IReadOnlyDictionary<Severity, int> FailsBySeverity(IEnumerable<Finding> findings)
    {
        var counts = new Dictionary<Severity, int>();
        foreach (var f in findings)
        {
            if (f.Status == ResultStatus.Fail)
            {
                counts[f.Severity] = counts.GetValueOrDefault(f.Severity) + 1;
            }
        }

        return counts;
    }

    public static string CheckStatus(CheckSummary c) =>
        c.Fail > 0 ? "fail"
        : c.Manual > 0 ? "manual"
        : c.Unknown > 0 && c.Pass == 0 ? "unknown"
        : c.Pass > 0 ? "pass"
        : "notApplicable";

    private static void WriteSummary(Utf8JsonWriter w, ScanReport report, IReadOnlyList<InputError> inputErrors)
    {
        var fails = FailsBySeverity(report.Findings);
        w.WriteStartObject("summary");
        w.WriteNumber("objects", report.ObjectCount);
        w.WriteNumber("workloads", report.WorkloadCount);
        w.WriteNumber("checks", report.Checks.Count);
        w.WriteNumber("failedChecks", report.Checks.Count(c => c.Fail > 0));
        w.WriteNumber("unknownChecks", report.Checks.Count(c => CheckStatus(c) == "unknown"));
        w.WriteNumber("findings", fails.Values.Sum());
        w.WriteStartObject("findingsBySeverity");
        foreach (var s in new[] { Severity.Critical, Severity.High, Severity.Medium, Severity.Low })
        {
            w.WriteNumber(s.Text(), fails.GetValueOrDefault(s));
        }

        w.WriteEndObject();
        w.WriteStartObject("units");
        foreach (var s in new[] { ResultStatus.Pass, ResultStatus.Fail, ResultStatus.NotApplicable, ResultStatus.Excluded, ResultStatus.Unknown, ResultStatus.Manual })
        {
            w.WriteNumber(s.Text(), report.Count(s));
        }

        w.WriteEndObject();
        w.WriteNumber("advisories", report.Advisories.Count);
        w.WriteNumber("inputErrors", inputErrors.Count);
        w.WriteEndObject();
    }

    private static void WriteScore(Utf8JsonWriter w, ScanReport report)
    {
        var s = report.Score;
        w.WriteStartObject("score");
        w.WriteString("formulaVersion", s.FormulaVersion);
        WriteNumber(w, "score", s.Score);
        WriteNumber(w, "scoreRaw", s.ScoreRaw);
        w.WriteString("grade", s.Grade);
        w.WriteNumber("coverage", s.Coverage);
        WriteNumber(w, "compliance", s.Compliance);
        w.WriteNumber("scoredChecks", s.ScoredChecks);
        w.WriteNumber("fullyMetChecks", s.FullyMetChecks);
        w.WriteStartArray("caps");
        foreach (var c in s.CapsApplied)
        {
            w.WriteStringValue(c);
        }

        w.WriteEndArray();
        w.WriteStartArray("sections");
        foreach (var sec in s.Sections)
        {
            w.WriteStartObject();
            w.WriteString("section", sec.Section);
            WriteNumber(w, "score", sec.Score);
            w.WriteNumber("scoredChecks", sec.ScoredChecks);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFinding(Utf8JsonWriter w, Finding f)
    {
        w.WriteStartObject();
        w.WriteString("checkId", f.CheckId);
        w.WriteString("severity", f.Severity.Text());
        w.WriteString("status", f.Status.Text());
        WriteBody(w, f.Resource, f.Container, f.Message, f.Evidence, f.Source, f.Fingerprint);
    }

    // Same shape as a finding minus severity; status "advisory" so a record copied out of context still says what it is.
    private static void WriteAdvisory(Utf8JsonWriter w, Advisory a)
    {
        w.WriteStartObject();
        w.WriteString("checkId", a.CheckId);
        w.WriteString("status", "advisory");
        WriteBody(w, a.Resource, a.Container, a.Message, a.Evidence, a.Source, a.Fingerprint);
    }

    private static void WriteBody(Utf8JsonWriter w, ResourceRef resource, ContainerInfo? container, string message, Evidence? evidence,
        SourceLocation? source, string fingerprint)
    {
        w.WriteStartObject("resource");
        w.WriteString("apiVersion", resource.ApiVersion);
        w.WriteString("kind", resource.Kind);
        WriteNullable(w, "namespace", resource.Namespace);
        w.WriteString("name", resource.Name);
        w.WriteEndObject();
        WriteNullable(w, "container", container?.Name);
        WriteNullable(w, "containerType", container is null ? null : container.Type.ToString().ToLowerInvariant());
        w.WriteString("message", message);
        if (evidence is { } e)
        {
            w.WriteStartObject("evidence");
            w.WriteString("path", e.Path);
            WriteNullable(w, "value", e.Value);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("evidence");
        }

        if (source is { } src)
        {
            w.WriteStartObject("source");
            w.WriteString("file", src.File);
            if (src.Line is { } l)
            {
                w.WriteNumber("line", l);
            }
            else
            {
                w.WriteNull("line");
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("source");
        }

        w.WriteString("fingerprint", fingerprint);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}

/// <summary>Options of the report writers.</summary>
public sealed record ReportOptions
{
    /// <summary>Also list Unknown and Manual results in "findings" (status tells them apart).</summary>
    public bool IncludeUndecided { get; init; }

    /// <summary>List advisories in the table and SARIF output (the JSON report always carries them).</summary>
    public bool IncludeAdvisories { get; init; }

    /// <summary>Base folder that SARIF artifact URIs are made relative to; the current directory when null.</summary>
    public string? SourceRoot { get; init; }
}
