using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-009: the kubelet limits the number of PIDs per pod (CATALOG.md §3).</summary>
public sealed class KubeletPodPidsLimit : KubeletCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-009",
        Title = "Kubelet limits PIDs per pod",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Resource policies (process-ID limits at node and pod level)",
        Target = CheckTarget.Kubelet,
        Rationale = "Without podPidsLimit (default -1, unlimited) one pod can fork until the node runs out of process IDs, " +
                    "taking down every other pod and the node's own daemons.",
        Remediation = "Set podPidsLimit in the kubelet configuration to a value that fits the workloads (for example 4096), " +
                      "and reserve PIDs for the system with systemReserved/kubeReserved pid.",
        FixYaml = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            podPidsLimit: 4096
            systemReserved: {pid: "1000"}
            """,
        References = new(["C-0284"], [], null, ["4.2.13"]),
        Collectors = ['e'],
    };

    protected override void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit)
    {
        if (!kubeletConfig.Get("systemReserved").Get("pid").Exists() && !kubeletConfig.Get("kubeReserved").Get("pid").Exists())
        {
            // Catalog advisory: podPidsLimit caps each pod, but only a pid reservation keeps PIDs for the node's own daemons.
            unit.Advise("neither systemReserved nor kubeReserved reserves PIDs: add a pid reservation so pods together cannot " +
                        "exhaust the node's process IDs", "configz.kubeletconfig.systemReserved.pid", "<unset>", key: "pid-reservation");
        }

        var value = kubeletConfig.Get("podPidsLimit");
        var p = value.Long() ?? -1; // KubeletConfiguration default: -1 (unlimited)
        var ceiling = context.Options.PodPidsLimitCeiling;
        if (p <= 0)
        {
            unit.Fail($"podPidsLimit is {(value.Exists() ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unset (default -1)")}: pods may create unlimited processes",
                "configz.kubeletconfig.podPidsLimit", value.Exists() ? value.Render() : "<unset>");
        }
        else if (p > ceiling)
        {
            unit.Fail($"podPidsLimit is {p}, above the tenant ceiling of {ceiling}",
                "configz.kubeletconfig.podPidsLimit", value.Render());
        }
    }
}
