using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-001: privileged containers and Windows HostProcess (CATALOG.md §2).</summary>
public sealed class PrivilegedContainer : WorkloadCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-001",
        Title = "Privileged containers and Windows HostProcess",
        Severity = Severity.Critical,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (privileged: false); Hardening container environments",
        Target = CheckTarget.Container,
        Rationale = "A privileged container has every capability and device of the host and no seccomp or AppArmor " +
                    "confinement: a compromise of the container is a compromise of the node. Windows HostProcess " +
                    "containers run directly on the host with its privileges.",
        Remediation = "Remove privileged: true (and HostProcess); grant only the specific capabilities the process " +
                      "needs (KH-POD-009, KH-POD-010). Node agents that truly need it get a time-boxed exception.",
        FixYaml = """
            securityContext:
              privileged: false
            """,
        References = new(["C-0057", "C-0193", "C-0202"], ["runAsPrivileged", "hostProcess"], "Baseline", ["5.2.2", "5.2.10"]),
    };

    // Windows pods are evaluated too: HostProcess is a Windows-only field (rule 1 is N/A there, rule 2 applies).
    protected override bool AppliesToWindows => true;

    protected override bool EvaluatesEphemeralOnlyPods => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        var podHostProcess = workload.PodSecurityContext.Get("windowsOptions").Bool("hostProcess") == true;
        if (podHostProcess && !workload.EphemeralOnly)
        {
            unit.Fail("pod securityContext.windowsOptions.hostProcess is true: containers run as host processes",
                workload.Path("securityContext.windowsOptions.hostProcess"), "true");
        }

        foreach (var c in workload.AllContainers)
        {
            var sc = c.SecurityContext;
            if (!workload.IsWindows && sc.Bool("privileged") == true)
            {
                unit.Fail($"container \"{c.Name}\" runs privileged (securityContext.privileged: true)",
                    c.Path + ".securityContext.privileged", "true", c);
            }

            if (sc.Get("windowsOptions").Bool("hostProcess") == true)
            {
                unit.Fail($"container \"{c.Name}\" is a Windows HostProcess container",
                    c.Path + ".securityContext.windowsOptions.hostProcess", "true", c);
            }
        }
    }
}
