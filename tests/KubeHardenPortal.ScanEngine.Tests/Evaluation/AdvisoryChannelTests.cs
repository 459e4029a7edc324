using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation;

/// <summary>The advisory channel (Unit.Advise): informational only, never an outcome, a score or a finding.</summary>
public sealed class AdvisoryChannelTests
{
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: shop}
        spec:
          containers: [{name: c, image: registry.example.org/app:1.0.0}]
        """;

    /// <summary>Fails on every workload and advises on the same field, to prove the two never interact.</summary>
    private sealed class FailAndAdvise(bool fail) : WorkloadCheck
    {
        public override CheckDefinition Definition { get; } = TestChecks.PodSpec("KH-TEST-001", Severity.High);

        protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
        {
            if (fail)
            {
                unit.Fail("failed", workload.Path("hostPID"), "true");
            }

            unit.Advise("advised", workload.Path("hostPID"), "true");
        }
    }

    private sealed class PassOnly : WorkloadCheck
    {
        public override CheckDefinition Definition { get; } = new FailAndAdvise(false).Definition;

        protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
        {
        }
    }

    private static ScanReport Run(Check check)
    {
        using var load = new InputLoader().LoadText("test.yaml", Pod);
        return Scanner.Evaluate(load.Snapshot, new ScanOptions { Now = FixtureOptions.DefaultNow }, [check]);
    }

    [Fact]
    public void Advise_OnPassingUnit_KeepsItPassAndTheScoreUnchanged()
    {
        var advised = Run(new FailAndAdvise(fail: false));
        var plain = Run(new PassOnly());

        var summary = advised.Checks.Single();
        Assert.Equal((1, 0, 1), (summary.Pass, summary.Fail, summary.Advisories));
        Assert.Empty(advised.Findings);
        Assert.Equal((plain.Score.Score, plain.Score.Coverage, plain.Score.Grade), (advised.Score.Score, advised.Score.Coverage, advised.Score.Grade));
        var a = Assert.Single(advised.Advisories);
        Assert.Equal(("KH-TEST-001", "Pod", "p", "advised"), (a.CheckId, a.Resource.Kind, a.Resource.Name, a.Message));
        Assert.Equal(new Evidence("spec.hostPID", "true"), a.Evidence);
        Assert.Equal("test.yaml", a.Source?.File);
    }

    [Fact]
    public void Advise_BesideFailure_IsNotAFindingAndHasItsOwnFingerprint()
    {
        var report = Run(new FailAndAdvise(fail: true));

        var failure = Assert.Single(report.Findings);
        var advisory = Assert.Single(report.Advisories);
        Assert.Equal(ResultStatus.Fail, failure.Status);
        Assert.Equal(1, report.Checks.Single().Fail);
        Assert.NotEqual(failure.Fingerprint, advisory.Fingerprint);
        Assert.Equal(CheckResults.AdvisoryKeyPrefix + failure.SubKey, advisory.SubKey);
        Assert.Equal(Fingerprints.Compute("", "KH-TEST-001", advisory.Resource, null, "advisory:spec.hostPID"), advisory.Fingerprint);
    }

    [Fact]
    public void Advisory_Fingerprint_IsStableAcrossRuns()
    {
        Assert.Equal(Run(new FailAndAdvise(false)).Advisories.Single().Fingerprint, Run(new FailAndAdvise(false)).Advisories.Single().Fingerprint);
    }
}
