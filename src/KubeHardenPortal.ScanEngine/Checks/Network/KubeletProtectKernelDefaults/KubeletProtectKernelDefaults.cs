using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-011: the kubelet protects kernel defaults (CATALOG.md §3).</summary>
public sealed class KubeletProtectKernelDefaults : KubeletCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-011",
        Title = "Kubelet protects kernel defaults",
        Severity = Severity.Low,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Worker node hardening (supporting; from CIS)",
        Target = CheckTarget.Kubelet,
        Rationale = "With protectKernelDefaults the kubelet refuses to run when kernel tunables differ from its expected " +
                    "values instead of silently changing them, so node hardening cannot drift unnoticed.",
        Remediation = "First give the node the sysctls the kubelet expects (vm.overcommit_memory=1, vm.panic_on_oom=0, " +
                      "kernel.panic=10, kernel.panic_on_oops=1, kernel.keys.root_maxkeys=1000000, " +
                      "kernel.keys.root_maxbytes=25000000), then set protectKernelDefaults: true; otherwise the kubelet " +
                      "will not start.",
        FixYaml = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            protectKernelDefaults: true
            """,
        References = new(["C-0177"], [], null, ["4.2.6"]),
        Collectors = ['e'],
    };

    protected override bool AppliesToWindowsNodes => false;

    protected override void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit)
    {
        var value = kubeletConfig.Get("protectKernelDefaults");
        if (value.Bool() != true)
        {
            unit.Fail($"protectKernelDefaults is {(value.Exists() ? value.Render() : "unset (default false)")}",
                "configz.kubeletconfig.protectKernelDefaults", value.Exists() ? value.Render() : "<unset>");
        }
    }
}
