using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-008: immutable (read-only) root filesystem (CATALOG.md §2).</summary>
public sealed class ReadOnlyRootFilesystem : ContainerCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-008",
        Title = "Immutable (read-only) root filesystem",
        Severity = Severity.Low,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Immutable container file systems (Appendix B: read-only deployment with a writable mount)",
        Target = CheckTarget.Container,
        Rationale = "A writable root filesystem lets an intruder drop tools, change binaries or persist in the container; " +
                    "a read-only one confines writes to the volumes the application declares.",
        Remediation = "Set readOnlyRootFilesystem: true and mount emptyDir (optionally medium: Memory with a sizeLimit) or " +
                      "PVC volumes where the application writes.",
        FixYaml = """
            securityContext:
              readOnlyRootFilesystem: true
            volumeMounts:
            - {name: tmp, mountPath: /tmp}
            """,
        References = new(["C-0017"], ["notReadOnlyRootFilesystem"], null, ["5.6.3"]),
    };

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        var ro = Container(container, "readOnlyRootFilesystem");
        if (ro.Bool == true)
        {
            return;
        }

        var state = ro.Bool == false ? "sets readOnlyRootFilesystem: false" : "does not set readOnlyRootFilesystem: true";
        var debug = container.Type == ContainerType.Ephemeral ? " [debug container]" : "";
        unit.Fail($"{Describe(container)} {state}: its root filesystem is writable{debug}", ro.Path, ro.Observed, container, key: "readOnlyRootFilesystem");
    }
}
