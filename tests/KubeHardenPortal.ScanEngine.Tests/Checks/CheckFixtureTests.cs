using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks;

/// <summary>
/// The one harness for every check fixture. The file name prefix is the assertion:
/// pass.* (no failure, at least one Pass), fail.* (at least one failure), unknown.* (Unknown, never Pass or Fail),
/// na.* (NotApplicable only), manual.* (Manual). Run one check with: dotnet test --filter "DisplayName~KH-POD-001".
/// Advisories never change the outcome, so any fixture may carry them; pin them in NAME.expected.json's object form.
/// Optional sidecars: NAME.expected.json (exact failures and/or advisories) and NAME.options.json (tenant ScanOptions for the fixture).
/// </summary>
public sealed class CheckFixtureTests
{
    public static TheoryData<string, string> Fixtures()
    {
        var data = new TheoryData<string, string>();
        foreach (var check in CheckCatalog.All)
        {
            var folder = Repo.CheckFolder(check.GetType());
            if (folder is null || !Directory.Exists(Path.Combine(folder, "fixtures")))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(Path.Combine(folder, "fixtures")).Order(StringComparer.Ordinal))
            {
                if (!file.EndsWith(".expected.json", StringComparison.Ordinal) && !file.EndsWith(".options.json", StringComparison.Ordinal))
                {
                    data.Add(check.Definition.Id, Path.GetFileName(file));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_ProducesTheResultItsNameStates(string checkId, string fixture)
    {
        var check = CheckCatalog.Find(checkId)!;
        var path = Path.Combine(Repo.CheckFolder(check.GetType())!, "fixtures", fixture);
        var report = Scan.Files([path], checkId, FixtureOptions.For(path));
        var summary = report.Checks.Single();
        var failures = report.Failures(checkId).ToList();
        var describe = $"{fixture}: pass={summary.Pass} fail={summary.Fail} unknown={summary.Unknown} " +
                       $"na={summary.NotApplicable} excluded={summary.Excluded} manual={summary.Manual}\n" +
                       string.Join("\n", report.Findings.Select(f => $"  {f.Status} {f.Resource} {f.Container?.Name} {f.Message}"));

        switch (fixture.Split('.')[0])
        {
            case "pass":
                Assert.True(failures.Count == 0 && summary.Pass > 0 && summary.Unknown == 0, describe);
                break;
            case "fail":
                Assert.True(failures.Count > 0, describe);
                Assert.All(failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
                break;
            case "unknown":
                Assert.True(summary.Unknown > 0 && summary.Pass == 0 && summary.Fail == 0, describe);
                break;
            case "na":
                Assert.True(summary.NotApplicable > 0 && summary.Pass == 0 && summary.Fail == 0 && summary.Unknown == 0, describe);
                break;
            case "manual":
                Assert.True(summary.Manual > 0 && summary.Fail == 0, describe);
                break;
            default:
                Assert.Fail($"fixture {fixture} must start with pass., fail., unknown., na. or manual.");
                break;
        }

        var expected = Path.ChangeExtension(path, null) + ".expected.json";
        if (File.Exists(expected))
        {
            ExpectedFindings.AssertMatches(expected, failures, report.Advisories.Where(a => a.CheckId == checkId).ToList());
        }
    }
}
