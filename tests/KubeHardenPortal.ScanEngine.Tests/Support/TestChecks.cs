using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Support;

/// <summary>Definitions for the throw-away checks tests run through <c>Scanner.Evaluate</c>.</summary>
internal static class TestChecks
{
    /// <summary>A pod-spec check with placeholder texts.</summary>
    public static CheckDefinition PodSpec(string id, Severity severity) => new()
    {
        Id = id,
        Title = "test",
        Severity = severity,
        Section = GuideSections.PodSecurity,
        GuideReference = "test",
        Target = CheckTarget.PodSpec,
        Rationale = "test",
        Remediation = "test",
        FixYaml = "",
        References = CheckReferences.None,
    };
}
