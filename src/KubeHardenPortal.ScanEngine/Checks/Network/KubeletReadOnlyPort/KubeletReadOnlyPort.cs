using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-010: the kubelet's unauthenticated read-only port is disabled (CATALOG.md §3).</summary>
public sealed class KubeletReadOnlyPort : KubeletCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-010",
        Title = "Kubelet read-only port disabled",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Worker node segmentation / Control plane hardening (only the authenticated kubelet API should be reachable)",
        Target = CheckTarget.Kubelet,
        Rationale = "The read-only port (classically 10255) serves pod specs, including environment variables, and node " +
                    "metrics without any authentication to anyone who can reach the node.",
        Remediation = "Set readOnlyPort: 0 in the kubelet configuration (or --read-only-port=0 on flag-configured kubelets).",
        FixYaml = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            readOnlyPort: 0
            """,
        References = new(["C-0175"], [], null, ["4.2.4"]),
        Collectors = ['e'],
    };

    protected override void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit)
    {
        // configz reports the effective value; the field is omitted when it is 0.
        var value = kubeletConfig.Get("readOnlyPort");
        var port = value.Long() ?? 0;
        if (port > 0)
        {
            unit.Fail($"the kubelet serves its unauthenticated read-only API on port {port}",
                "configz.kubeletconfig.readOnlyPort", value.Render());
        }
    }
}
