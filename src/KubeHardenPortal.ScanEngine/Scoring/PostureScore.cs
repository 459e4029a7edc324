using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Scoring;

public sealed record SectionScore(string Section, double? Score, int ScoredChecks);

/// <summary>The posture score of one scan, CATALOG.md §8.2 (version 1: no blast-radius factor).</summary>
public sealed record PostureScore(
    string FormulaVersion,
    double? Score,
    double? ScoreRaw,
    string Grade,
    double Coverage,
    double? Compliance,
    int ScoredChecks,
    int FullyMetChecks,
    IReadOnlyList<string> CapsApplied,
    IReadOnlyList<SectionScore> Sections);

/// <summary>
/// Computes the posture score. Unknown lowers coverage, never the score; NotApplicable and Excluded count nowhere;
/// Manual counts as a failure unless <c>manualAsUnknown</c> (onboarding mode) is set.
/// </summary>
public static class PostureScoring
{
    /// <summary>Shown in every report so a trend never silently changes meaning.</summary>
    public const string FormulaVersion = "khp-posture/1";

    public static PostureScore Compute(IReadOnlyList<CheckSummary> checks, bool manualAsUnknown = false)
    {
        double num = 0, den = 0, rawNum = 0;
        int scored = 0, fullyMet = 0;
        long decidedUnits = 0, allUnits = 0;
        var criticalChecksFailing = 0;
        var sections = new Dictionary<string, (double Num, double Den, int N)>();

        foreach (var c in checks)
        {
            var manualW = manualAsUnknown ? 0 : c.ManualWeight;
            var manualN = manualAsUnknown ? 0 : c.Manual;
            var good = c.PassWeight + c.ExceptedWeight;
            var total = good + c.FailWeight + manualW;
            decidedUnits += c.Pass + c.Fail + c.Excepted + manualN;
            allUnits += c.Pass + c.Fail + c.Excepted + c.Manual + c.Unknown;
            if (c.HasCriticalFailure)
            {
                criticalChecksFailing++;
            }

            if (total <= 0)
            {
                continue; // No decided units: the check is not scored (unlike kubescape's "irrelevant = 100").
            }

            var w = c.Definition.Severity.Weight();
            var r = good / total;
            var rRaw = c.PassWeight / total;
            num += w * r;
            rawNum += w * rRaw;
            den += w;
            scored++;
            if (c.Fail == 0 && manualN == 0)
            {
                fullyMet++;
            }

            var s = sections.GetValueOrDefault(c.Definition.Section);
            sections[c.Definition.Section] = (s.Num + w * r, s.Den + w, s.N + 1);
        }

        var coverage = allUnits == 0 ? 0 : (double)decidedUnits / allUnits;
        var caps = new List<string>();
        double? score = den > 0 ? 100 * num / den : null;
        double? raw = den > 0 ? 100 * rawNum / den : null;
        if (score is not null)
        {
            (score, var capNotes) = ApplyCaps(score.Value, criticalChecksFailing);
            (raw, _) = ApplyCaps(raw!.Value, criticalChecksFailing);
            caps.AddRange(capNotes);
        }

        var grade = score is null ? "N/A" : GradeOf(score.Value);
        if (score is not null && coverage < 0.8 && grade == "A")
        {
            grade = "B";
            caps.Add("coverage below 80%: grade capped at B");
        }

        var sectionScores = GuideSections.All
            .Select(sec => sections.TryGetValue(sec, out var s) && s.Den > 0
                ? new SectionScore(sec, Math.Round(100 * s.Num / s.Den, 1), s.N)
                : new SectionScore(sec, null, 0))
            .ToList();

        return new PostureScore(
            FormulaVersion,
            score is null ? null : Math.Round(score.Value, 1),
            raw is null ? null : Math.Round(raw.Value, 1),
            grade,
            Math.Round(coverage, 4),
            scored == 0 ? null : Math.Round(100.0 * fullyMet / scored, 1),
            scored,
            fullyMet,
            caps,
            sectionScores);
    }

    private static (double, List<string>) ApplyCaps(double score, int criticalChecksFailing)
    {
        var notes = new List<string>();
        if (criticalChecksFailing >= 3 && score > 49)
        {
            notes.Add($"{criticalChecksFailing} critical checks fail: score capped at 49");
            return (49, notes);
        }

        if (criticalChecksFailing >= 1 && score > 69)
        {
            notes.Add("a critical check fails: score capped at 69");
            return (69, notes);
        }

        return (score, notes);
    }

    public static string GradeOf(double score) => score switch
    {
        >= 90 => "A",
        >= 80 => "B",
        >= 70 => "C",
        >= 50 => "D",
        _ => "F",
    };
}
