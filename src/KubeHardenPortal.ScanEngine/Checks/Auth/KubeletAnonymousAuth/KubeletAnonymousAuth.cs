using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-003: kubelet anonymous authentication disabled (CATALOG.md §4), from each node's configz.</summary>
public sealed class KubeletAnonymousAuth : KubeletCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-003",
        Title = "Kubelet anonymous authentication disabled",
        Severity = Severity.Critical,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → Authentication (anonymous requests disabled); Control plane hardening (kubelet API on 10250)",
        Target = CheckTarget.Kubelet,
        Rationale = "The kubelet API on port 10250 runs commands in containers, reads logs and lists pods. With anonymous " +
                    "authentication on, requests without credentials reach it as system:anonymous — with an AlwaysAllow " +
                    "kubelet authorizer that is remote code execution on every node.",
        Remediation = "Set authentication.anonymous.enabled: false in the KubeletConfiguration (the file default; kubelets " +
                      "started without a config file keep the legacy command-line default true).",
        FixYaml = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            authentication:
              anonymous: {enabled: false}
            """,
        References = new(["C-0069", "C-0172"], [], null, ["4.2.1"]),
        Collectors = ['e'],
    };

    protected override void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit)
    {
        switch (kubeletConfig.Get("authentication").Get("anonymous").Bool("enabled"))
        {
            case false:
                return;
            case true:
                unit.Fail($"kubelet on node {node.Name} accepts anonymous requests (authentication.anonymous.enabled: true)",
                    "kubeletconfig.authentication.anonymous.enabled", "true", key: "anonymous");
                return;
            default:
                unit.Unknown("configz does not report authentication.anonymous.enabled");
                return;
        }
    }
}
