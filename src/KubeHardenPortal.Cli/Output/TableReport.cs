using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Reporting;

namespace KubeHardenPortal.Cli.Output;

/// <summary>The human report: failures grouped by guide section, then a summary with score, grade and coverage.</summary>
internal static class TableReport
{
    /// <summary>Writes the table as it goes (a 50,000-object scan prints ~12 MB; it is never held as one string).</summary>
    public static void Write(TextWriter sb, ScanReport report, IReadOnlyList<InputError> errors, ReportOptions options, bool color)
    {
        var definitions = CheckCatalog.Definitions.ToDictionary(d => d.Id, StringComparer.Ordinal);
        bool Shown(ResultStatus s) => s == ResultStatus.Fail || options.IncludeUndecided;

        foreach (var section in GuideSections.All)
        {
            var checks = report.Checks.Where(c => c.Definition.Section == section).ToList();
            if (checks.Count == 0)
            {
                continue;
            }

            // Check by check, each finding made as it is printed: 50,000 findings are never all in memory at once.
            var failed = checks.Where(c => JsonReportWriter.Count(report.Findings, c.Definition.Id, Shown) > 0).ToList();
            var passed = checks.Count(c => JsonReportWriter.CheckStatus(c) == "pass");
            var unknown = checks.Count(c => JsonReportWriter.CheckStatus(c) == "unknown");
            sb.WriteLine(Terminal.Bold($"{section}", color) +
                          Terminal.Dim($"  ({passed} pass, {checks.Count(c => c.Fail > 0)} fail, {unknown} unknown)", color));
            foreach (var c in failed)
            {
                var fails = JsonReportWriter.Count(report.Findings, c.Definition.Id, s => s == ResultStatus.Fail);
                var mark = fails > 0 ? Terminal.Red("✗", color) : Terminal.Yellow("?", color);
                sb.WriteLine($"  {mark} {c.Definition.Id} {Terminal.Severity(c.Definition.Severity, color)}{c.Definition.Title}" +
                              Terminal.Dim(fails > 0 ? $"  {fails} finding{(fails == 1 ? "" : "s")}" : "", color));
                foreach (var f in JsonReportWriter.Ordered(report.Findings, c.Definition.Id).Where(f => Shown(f.Status)))
                {
                    var where = f.Container is null ? f.Resource.ToString() : $"{f.Resource} [{f.Container.Name}]";
                    var status = f.Status == ResultStatus.Fail ? Terminal.Severity(f.Severity, color) : f.Status.Text().ToUpperInvariant().PadRight(9);
                    sb.WriteLine($"      {status}{where}");
                    sb.WriteLine($"              {f.Message}");
                    if (f.Source is { } src)
                    {
                        sb.WriteLine(Terminal.Dim($"              at {src.File}{(src.Line is { } l ? ":" + l : "")}", color));
                    }
                }
            }

            sb.WriteLine();
        }

        if (options.IncludeAdvisories && report.Advisories.Count > 0)
        {
            AppendAdvisories(sb, report, color);
        }

        AppendSummary(sb, report, errors, options, color);
    }

    /// <summary>Informational notes, one line each: they change neither the result nor the score.</summary>
    private static void AppendAdvisories(TextWriter sb, ScanReport report, bool color)
    {
        sb.WriteLine(Terminal.Bold("Advisories", color) + Terminal.Dim("  (informational; not scored, never fail the scan)", color));
        foreach (var a in JsonReportWriter.Ordered(report.Advisories))
        {
            var where = a.Container is null ? a.Resource.ToString() : $"{a.Resource} [{a.Container.Name}]";
            sb.WriteLine($"  i {a.CheckId} {where}");
            sb.WriteLine($"      {a.Message}");
            if (a.Source is { } src)
            {
                sb.WriteLine(Terminal.Dim($"      at {src.File}{(src.Line is { } l ? ":" + l : "")}", color));
            }
        }

        sb.WriteLine();
    }

    private static void AppendSummary(TextWriter sb, ScanReport report, IReadOnlyList<InputError> errors, ReportOptions options, bool color)
    {
        var s = report.Score;
        var fails = JsonReportWriter.FailsBySeverity(report.Findings);
        sb.WriteLine(Terminal.Bold("Summary", color));
        sb.WriteLine($"  Scanned      {report.ObjectCount} objects ({report.WorkloadCount} workloads) as {(report.Mode == SnapshotMode.Manifests ? "manifests" : $"cluster snapshot \"{report.Cluster.Name}\"")}");
        var scoreText = s.Score is { } v ? $"{v:0.0} / 100, grade {s.Grade}" : "not scored (no decided units)";
        var gradeColored = s.Grade switch
        {
            "A" or "B" => Terminal.Green(scoreText, color),
            "C" or "D" => Terminal.Yellow(scoreText, color),
            _ => Terminal.Red(scoreText, color),
        };
        sb.WriteLine($"  Score        {gradeColored}   (formula {s.FormulaVersion})");
        sb.WriteLine($"  Coverage     {s.Coverage * 100:0.0}% of evaluation units decided; {report.Count(ResultStatus.Unknown)} unknown (data not available), {report.Count(ResultStatus.Manual)} manual");
        if (s.Compliance is { } comp)
        {
            sb.WriteLine($"  Compliance   {s.FullyMetChecks} of {s.ScoredChecks} scored checks fully met ({comp:0.0}%)");
        }

        foreach (var cap in s.CapsApplied)
        {
            sb.WriteLine($"  Note         {cap}");
        }

        sb.WriteLine($"  Findings     {fails.GetValueOrDefault(Severity.Critical)} critical, {fails.GetValueOrDefault(Severity.High)} high, " +
                      $"{fails.GetValueOrDefault(Severity.Medium)} medium, {fails.GetValueOrDefault(Severity.Low)} low; " +
                      $"{report.Advisories.Count} advisor{(report.Advisories.Count == 1 ? "y" : "ies")}" +
                      (report.Advisories.Count > 0 && !options.IncludeAdvisories ? " (list them with --show-advisories)" : ""));
        sb.WriteLine($"  Units        {report.Count(ResultStatus.Pass)} pass, {report.Count(ResultStatus.Fail)} fail, {report.Count(ResultStatus.NotApplicable)} n/a, {report.Count(ResultStatus.Excluded)} excluded");
        if (report.Mode == SnapshotMode.Manifests)
        {
            sb.WriteLine(Terminal.Dim("  Cluster-level checks (control plane, kubelet, versions) are Unknown for manifests: scan a ClusterSnapshot for those.", color));
        }

        if (errors.Count > 0)
        {
            sb.WriteLine(Terminal.Red($"  Input errors {errors.Count} (listed on standard error); exit code 2", color));
        }

        sb.WriteLine($"  Engine       {report.EngineVersion}, catalog {report.CatalogVersion}");
    }
}
