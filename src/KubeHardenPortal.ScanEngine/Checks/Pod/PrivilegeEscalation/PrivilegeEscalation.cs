using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-007: allowPrivilegeEscalation explicitly false (CATALOG.md §2).</summary>
public sealed class PrivilegeEscalation : ContainerCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-007",
        Title = "Privilege escalation disabled",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (allowPrivilegeEscalation: false)",
        Target = CheckTarget.Container,
        Rationale = "Unless allowPrivilegeEscalation is false, the kernel's no_new_privs flag is not set and setuid/setgid " +
                    "binaries or file capabilities in the image can give a process more privileges than it started with.",
        Remediation = "Set allowPrivilegeEscalation: false on every container, init and ephemeral containers included.",
        FixYaml = """
            securityContext:
              allowPrivilegeEscalation: false
            """,
        References = new(["C-0016"], ["privilegeEscalationAllowed"], "Restricted", ["5.2.6"]),
    };

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        var ape = Container(container, "allowPrivilegeEscalation");
        if (ape.Bool == false)
        {
            return;
        }

        var what = ape.Bool == true
            ? "sets allowPrivilegeEscalation: true"
            : "does not set allowPrivilegeEscalation: false (the Linux default allows escalation)";
        unit.Fail($"{Describe(container)} {what}{BlockedBy(container)}", ape.Path, ape.Observed, container, key: "allowPrivilegeEscalation");
    }

    /// <summary>API validation forbids false for privileged containers and for an added capability spelled CAP_SYS_ADMIN.</summary>
    private static string BlockedBy(ContainerRef container)
    {
        var sc = container.SecurityContext;
        if (sc.Bool("privileged") == true)
        {
            return "; blocked by privileged: true (fix KH-POD-001 first)";
        }

        foreach (var cap in sc.Get("capabilities").Strings("add"))
        {
            if (cap == "CAP_SYS_ADMIN")
            {
                return "; blocked by the added capability CAP_SYS_ADMIN (fix KH-POD-009 first)";
            }
        }

        return "";
    }
}
