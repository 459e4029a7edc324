using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-004: kubelet delegates authentication and authorization to the API server (CATALOG.md §4).</summary>
public sealed class KubeletWebhookAuth : KubeletCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-004",
        Title = "Kubelet delegates authentication and authorization to the API server",
        Severity = Severity.Critical,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → RBAC (kubelet authorization via webhook, not AlwaysAllow)",
        Target = CheckTarget.Kubelet,
        Rationale = "With authorization mode AlwaysAllow the kubelet serves every authenticated caller — exec, logs and " +
                    "pod listing on its node — without asking RBAC. Without webhook authentication it cannot validate " +
                    "bearer tokens (service accounts, monitoring), so those callers fall back to weaker paths.",
        Remediation = "Set authorization.mode: Webhook and authentication.webhook.enabled: true in the KubeletConfiguration.",
        FixYaml = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            authentication:
              webhook: {enabled: true}
            authorization:
              mode: Webhook
            """,
        References = new(["C-0173"], [], null, ["4.2.2"]),
        Collectors = ['e'],
    };

    protected override void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit)
    {
        var mode = kubeletConfig.Get("authorization").Str("mode");
        var webhook = kubeletConfig.Get("authentication").Get("webhook").Bool("enabled");
        if (mode is null)
        {
            unit.Unknown("configz does not report authorization.mode");
            return;
        }

        if (mode == "AlwaysAllow")
        {
            unit.Fail($"kubelet on node {node.Name} authorises every request (authorization.mode: AlwaysAllow)",
                "kubeletconfig.authorization.mode", mode, severity: Severity.Critical, key: "authorization-mode");
        }
        else if (mode != "Webhook")
        {
            unit.Fail($"kubelet on node {node.Name} uses authorization.mode {mode}, not Webhook",
                "kubeletconfig.authorization.mode", mode, severity: Severity.Critical, key: "authorization-mode");
        }

        if (webhook == false)
        {
            unit.Fail($"kubelet on node {node.Name} does not validate bearer tokens with the API server (authentication.webhook.enabled: false)",
                "kubeletconfig.authentication.webhook.enabled", "false", severity: Severity.High, key: "webhook-authn");
        }
        else if (webhook is null && !unit.HasFailures)
        {
            unit.Unknown("configz does not report authentication.webhook.enabled");
        }
    }
}
