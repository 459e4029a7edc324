using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>
/// KH-AUTH-005: kubelet requires client certificates signed by the cluster CA (CATALOG.md §4). Verifies presence
/// only: the path does not prove the right CA is in the file.
/// </summary>
public sealed class KubeletClientCa : KubeletCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-005",
        Title = "Kubelet requires client certificates signed by the cluster CA",
        Severity = Severity.High,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → Authentication; Encryption (mutual TLS between components)",
        Target = CheckTarget.Kubelet,
        Rationale = "Without a client CA the kubelet cannot authenticate the API server (or anyone else) by certificate, " +
                    "so mutual TLS between the control plane and the nodes is not in place.",
        Remediation = "Set authentication.x509.clientCAFile to the cluster CA bundle in the KubeletConfiguration (verified " +
                      "presence only: check that the file holds the cluster CA).",
        FixYaml = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            authentication:
              x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}
            """,
        References = new(["C-0070", "C-0174"], [], null, ["4.2.3"]),
        Collectors = ['e'],
    };

    protected override void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit)
    {
        var file = kubeletConfig.Get("authentication").Get("x509").Str("clientCAFile");
        if (string.IsNullOrWhiteSpace(file))
        {
            unit.Fail($"kubelet on node {node.Name} has no client CA (authentication.x509.clientCAFile is empty): client certificates are not verified",
                "kubeletconfig.authentication.x509.clientCAFile", file ?? "<unset>", key: "clientCAFile");
        }
    }
}
