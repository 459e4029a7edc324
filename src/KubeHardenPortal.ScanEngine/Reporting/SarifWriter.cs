using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Reporting;

/// <summary>
/// SARIF 2.1.0 for GitHub code scanning: one rule per catalog check, one result per failure located at the
/// manifest's file and line, with the finding fingerprint as partialFingerprints so alerts track across commits.
/// </summary>
public static class SarifWriter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    public static void Write(Utf8JsonWriter w, ScanReport report, IReadOnlyList<CheckDefinition> rules, ReportOptions options)
    {
        var ruleIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            ruleIndex[rules[i].Id] = i;
        }

        w.WriteStartObject();
        w.WriteString("$schema", SchemaUri);
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", "kubeharden");
        w.WriteString("fullName", "KubeHardenPortal scanner (NSA/CISA Kubernetes Hardening Guidance v1.2)");
        w.WriteString("version", report.EngineVersion);
        w.WriteString("semanticVersion", report.EngineVersion);
        w.WriteString("informationUri", "https://kubeharden.io/docs/checks");
        w.WriteStartArray("rules");
        foreach (var d in rules)
        {
            WriteRule(w, d);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("results");
        foreach (var f in JsonReportWriter.Ordered(report.Findings))
        {
            if (f.Status != ResultStatus.Fail || !ruleIndex.TryGetValue(f.CheckId, out var idx))
            {
                continue;
            }

            WriteResult(w, f.CheckId, idx, Level(f.Severity), f.Resource, f.Container, f.Message, f.Source, f.Fingerprint, f.Evidence,
                f.Severity.Text(), options);
            JsonReportWriter.FlushEvery(w);
        }

        // Advisories are opt-in here: every SARIF result becomes a code-scanning alert, so notes appear only on request.
        if (options.IncludeAdvisories)
        {
            foreach (var a in JsonReportWriter.Ordered(report.Advisories))
            {
                if (ruleIndex.TryGetValue(a.CheckId, out var idx))
                {
                    WriteResult(w, a.CheckId, idx, "note", a.Resource, a.Container, a.Message, a.Source, a.Fingerprint, a.Evidence, null, options);
                    JsonReportWriter.FlushEvery(w);
                }
            }
        }

        w.WriteEndArray();

        w.WriteStartObject("properties");
        w.WriteString("catalogVersion", report.CatalogVersion);
        w.WriteString("scoreFormulaVersion", report.Score.FormulaVersion);
        if (report.Score.Score is { } score)
        {
            w.WriteNumber("score", score);
        }

        w.WriteString("grade", report.Score.Grade);
        w.WriteNumber("coverage", report.Score.Coverage);
        w.WriteEndObject();

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRule(Utf8JsonWriter w, CheckDefinition d)
    {
        w.WriteStartObject();
        w.WriteString("id", d.Id);
        w.WriteString("name", PascalName(d.Title));
        w.WriteStartObject("shortDescription");
        w.WriteString("text", d.Title);
        w.WriteEndObject();
        w.WriteStartObject("fullDescription");
        w.WriteString("text", d.Rationale);
        w.WriteEndObject();
        w.WriteStartObject("help");
        w.WriteString("text", d.Remediation + "\n\n" + d.FixYaml);
        w.WriteString("markdown", $"**{d.Title}** ({d.Severity.Text()}, {d.Section})\n\n{d.Rationale}\n\n**Fix:** {d.Remediation}\n\n```yaml\n{d.FixYaml.TrimEnd()}\n```");
        w.WriteEndObject();
        w.WriteStartObject("defaultConfiguration");
        w.WriteString("level", Level(d.Severity));
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteStartArray("tags");
        w.WriteStringValue("security");
        w.WriteStringValue("kubernetes");
        w.WriteStringValue(d.Section);
        w.WriteEndArray();
        w.WriteString("security-severity", SecuritySeverity(d.Severity));
        w.WriteString("precision", "high");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>One result; <paramref name="severity"/> is null for an advisory (level "note", property advisory: true).</summary>
    private static void WriteResult(Utf8JsonWriter w, string checkId, int ruleIndex, string level, ResourceRef resource, ContainerInfo? container,
        string message, SourceLocation? source, string fingerprint, Evidence? evidence, string? severity, ReportOptions options)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", checkId);
        w.WriteNumber("ruleIndex", ruleIndex);
        w.WriteString("level", level);
        w.WriteStartObject("message");
        var where = container is null ? resource.ToString() : $"{resource} (container {container.Name})";
        w.WriteString("text", $"{where}: {(severity is null ? "advisory: " : "")}{message}");
        w.WriteEndObject();

        w.WriteStartArray("locations");
        w.WriteStartObject();
        if (source is { } src)
        {
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            w.WriteString("uri", RelativeUri(src.File, options.SourceRoot));
            w.WriteString("uriBaseId", "%SRCROOT%");
            w.WriteEndObject();
            w.WriteStartObject("region");
            w.WriteNumber("startLine", Math.Max(1, src.Line ?? 1));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteStartArray("logicalLocations");
        w.WriteStartObject();
        w.WriteString("fullyQualifiedName", resource.ToString());
        w.WriteString("kind", "resource");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartObject("partialFingerprints");
        w.WriteString("kubehardenFinding/v1", fingerprint);
        w.WriteEndObject();

        w.WriteStartObject("properties");
        if (severity is null)
        {
            w.WriteBoolean("advisory", true);
        }
        else
        {
            w.WriteString("severity", severity);
        }

        if (evidence is { } e)
        {
            w.WriteString("evidencePath", e.Path);
            if (e.Value is not null)
            {
                w.WriteString("evidenceValue", e.Value);
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>SARIF wants URIs; GitHub wants them relative to the repository root, with forward slashes.</summary>
    internal static string RelativeUri(string file, string? root)
    {
        var full = Path.GetFullPath(file);
        var baseDir = Path.GetFullPath(root ?? Directory.GetCurrentDirectory());
        var rel = Path.GetRelativePath(baseDir, full);
        if (rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel))
        {
            return new Uri(full).AbsoluteUri;
        }

        return string.Join('/', rel.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));
    }

    private static string Level(Severity s) => s switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    // GitHub maps security-severity to critical (≥9), high (≥7), medium (≥4), low.
    private static string SecuritySeverity(Severity s) => s switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        _ => "3.0",
    };

    private static string PascalName(string title)
    {
        var parts = title.Split([' ', '-', '/', '(', ')', ',', '.', ':', '\'', '"'], StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(parts.Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
