using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-002: host PID, IPC and network namespaces (CATALOG.md §2).</summary>
public sealed class HostNamespaces : WorkloadCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-002",
        Title = "Host namespaces (hostPID, hostIPC, hostNetwork)",
        Severity = Severity.High,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (hostPID, hostIPC, hostNetwork: false)",
        Target = CheckTarget.PodSpec,
        Rationale = "A pod in the node's PID namespace can see and signal every process on the node and read their " +
                    "environment; the IPC namespace exposes the host's shared memory; the network namespace lets the " +
                    "pod sniff node traffic, reach services bound to localhost and bypass NetworkPolicy.",
        Remediation = "Remove hostPID, hostIPC and hostNetwork. Node-level telemetry belongs in a dedicated agent " +
                      "with a narrow, time-boxed exception.",
        FixYaml = """
            spec:
              hostNetwork: false
              hostPID: false
              hostIPC: false
            """,
        References = new(["C-0038", "C-0041"], ["hostPIDSet", "hostIPCSet", "hostNetworkSet"], "Baseline", ["5.2.3", "5.2.4", "5.2.5"]),
    };

    // hostNetwork matters on Windows too; hostPID/hostIPC do not exist there (API validation rejects them).
    protected override bool AppliesToWindows => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        var spec = workload.PodSpec;
        if (spec.Bool("shareProcessNamespace") == true)
        {
            // Catalog: shares PIDs between the pod's own containers, not with the host, so informational only.
            unit.Advise("shareProcessNamespace is true: the pod's containers can see and signal each other's processes " +
                        "(not the host's); keep it only where a sidecar needs it", workload.Path("shareProcessNamespace"), "true");
        }

        if (!workload.IsWindows)
        {
            if (spec.Bool("hostPID") == true)
            {
                unit.Fail("hostPID is true: the pod shares the node's process namespace", workload.Path("hostPID"), "true", key: "hostPID");
            }

            if (spec.Bool("hostIPC") == true)
            {
                unit.Fail("hostIPC is true: the pod shares the node's IPC namespace (shared memory, semaphores)", workload.Path("hostIPC"), "true", key: "hostIPC");
            }
        }

        if (spec.Bool("hostNetwork") != true)
        {
            return;
        }

        if (workload.IsWindows && IsHostProcess(workload))
        {
            // HostProcess requires hostNetwork and is already Critical in KH-POD-001: link it, do not score it twice.
            if (!unit.HasFailures)
            {
                unit.NotApplicable("hostNetwork is required by Windows HostProcess, which KH-POD-001 reports (Critical)");
            }

            return;
        }

        unit.Fail("hostNetwork is true: the pod uses the node's network namespace and is not governed by NetworkPolicy" +
                  EffectiveSecurityContext.WindowsNote(workload),
            workload.Path("hostNetwork"), "true", key: "hostNetwork");
    }

    private static bool IsHostProcess(Workload workload)
    {
        if (workload.PodSecurityContext.Get("windowsOptions").Bool("hostProcess") == true)
        {
            return true;
        }

        foreach (var c in workload.AllContainers)
        {
            if (c.SecurityContext.Get("windowsOptions").Bool("hostProcess") == true)
            {
                return true;
            }
        }

        return false;
    }
}
