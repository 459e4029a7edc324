using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-005: containers run as a non-root user (Linux UID; Windows runAsUserName) (CATALOG.md §2).</summary>
public sealed class RunAsNonRoot : ContainerCheck
{
    /// <summary>Windows accounts with administrative rights inside (or, for HostProcess, outside) the container.</summary>
    private static readonly HashSet<string> WindowsAdminAccounts = new(StringComparer.OrdinalIgnoreCase)
    {
        "ContainerAdministrator", "Administrator", @"NT AUTHORITY\SYSTEM", "SYSTEM",
    };

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-005",
        Title = "Containers run as a non-root user",
        Severity = Severity.High,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → \"Non-root\" containers and \"rootless\" container engines (Appendix A: non-root Dockerfile)",
        Target = CheckTarget.Container,
        Rationale = "Root inside a container is root on the node's kernel: any container escape, writable host mount or " +
                    "kernel bug then acts with full privileges. Unless the pod says otherwise, the image's USER decides, " +
                    "and the API cannot see it.",
        Remediation = "Build images with a numeric non-root USER and set runAsNonRoot: true and a non-zero runAsUser at pod " +
                      "level. On Windows set windowsOptions.runAsUserName: ContainerUser.",
        FixYaml = """
            securityContext:
              runAsNonRoot: true
              runAsUser: 10001
            """,
        References = new(["C-0013"], ["runAsRootAllowed"], "Restricted", ["5.2.7"]),
    };

    protected override bool AppliesToWindows => true;

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        if (workload.IsWindows)
        {
            EvaluateWindows(workload, container, unit);
            return;
        }

        // Rule 1: user namespaces map container root to an unprivileged host UID.
        if (UsesUserNamespace(workload))
        {
            var root = Get(workload, container, "runAsUser");
            if (root.Long == 0)
            {
                unit.Advise($"{Describe(container)} runs as root (runAsUser 0) inside a user namespace (hostUsers: false): mitigated, " +
                            "since container root maps to an unprivileged host UID, but a non-root user is still preferred",
                    root.Path, "0", container, key: "runAsUser");
            }

            return;
        }

        var user = Get(workload, container, "runAsUser");
        var nonRoot = Get(workload, container, "runAsNonRoot");
        var who = Describe(container);
        var uid = user.Long;

        if (uid == 0)
        {
            var conflict = nonRoot.Bool == true ? " (runAsUser 0 conflicts with runAsNonRoot: the kubelet refuses to start it)" : "";
            unit.Fail($"{who} runs as root: runAsUser is 0{(user.FromPod ? " (pod securityContext)" : "")}{conflict}",
                user.Path, "0", container, key: "runAsUser");
            return;
        }

        if (uid > 0 || (!user.IsSet && nonRoot.Bool == true))
        {
            AdvisePssAlignment(workload, container, nonRoot, unit);
            return;
        }

        if (user.IsSet && uid is null)
        {
            unit.Fail($"{who} has a runAsUser that is not a number ({user.Observed}), so it may run as root",
                user.Path, user.Observed, container, key: "runAsUser");
            return;
        }

        var why = nonRoot.Bool == false ? $"runAsNonRoot is false{(nonRoot.FromPod ? " (pod securityContext)" : "")}" : "runAsNonRoot and runAsUser are unset";
        unit.Fail($"{who} may run as root: image USER unknown ({why})", nonRoot.Path, nonRoot.Observed, container, key: "runAsNonRoot");
    }

    /// <summary>Rule 6 (no score impact): our pass that PSS Restricted would still reject.</summary>
    private static void AdvisePssAlignment(Workload workload, ContainerRef container, EffectiveValue nonRoot, Unit unit)
    {
        var pod = PodLevel(workload, "runAsNonRoot");
        if (pod.Bool == false && !nonRoot.FromPod)
        {
            unit.Advise($"{Describe(container)} passes, but the pod sets runAsNonRoot: false, which PSS Restricted rejects even " +
                        "when every container overrides it", pod.Path, "false", container, key: "pss:podRunAsNonRoot");
        }
        else if (nonRoot.Bool != true)
        {
            unit.Advise($"{Describe(container)} passes with a non-zero runAsUser, but PSS Restricted also wants runAsNonRoot: true",
                nonRoot.Path, nonRoot.Observed, container, key: "pss:runAsNonRoot");
        }
    }

    /// <summary>Rule 7: the Windows account, container value over pod value.</summary>
    private static void EvaluateWindows(Workload workload, ContainerRef container, Unit unit)
    {
        var name = Get(workload, container, "windowsOptions.runAsUserName");
        var who = Describe(container);
        if (!name.IsSet || string.IsNullOrWhiteSpace(name.Str))
        {
            unit.Fail($"{who} sets no windowsOptions.runAsUserName: image default user unknown{WindowsNote(workload)}",
                name.Path, "<unset>", container, key: "runAsUserName");
            return;
        }

        var account = name.Str!.Trim();
        var bare = account.Contains('\\', StringComparison.Ordinal) && !account.StartsWith(@"NT AUTHORITY\", StringComparison.OrdinalIgnoreCase)
            ? account[(account.LastIndexOf('\\') + 1)..]
            : account;
        if (WindowsAdminAccounts.Contains(account) || WindowsAdminAccounts.Contains(bare))
        {
            unit.Fail($"{who} runs as the administrative Windows account {account}{WindowsNote(workload)}",
                name.Path, account, container, key: "runAsUserName");
        }
    }
}
