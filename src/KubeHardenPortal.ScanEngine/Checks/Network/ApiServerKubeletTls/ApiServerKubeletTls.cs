using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-015: the API server authenticates to kubelets and verifies their certificates (CATALOG.md §3).</summary>
public sealed class ApiServerKubeletTls : ApiServerFlagCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-015",
        Title = "API server authenticates to, and verifies, kubelets",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Control plane hardening / Encryption (TLS between all components)",
        Target = CheckTarget.ControlPlane,
        Rationale = "Without a client certificate the API server calls kubelets anonymously (kubelets configured per " +
                    "KH-AUTH-005 reject it); without a certificate authority it does not verify the kubelet's serving " +
                    "certificate, so exec, logs and port-forward traffic can be intercepted by anyone who can impersonate a node.",
        Remediation = "Issue kubelet serving certificates from the cluster CA (kubelet serverTLSBootstrap: true plus CSR " +
                      "approval) and point the API server at that CA; give it a kubelet client certificate and key.",
        FixYaml = """
            - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
            - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
            - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
            """,
        References = new(["C-0116", "C-0117"], [], null, ["1.2.4", "1.2.5"]),
        Collectors = ['d', 'e'],
    };

    /// <summary>
    /// Rule 3 (advisory, from configz): kubelet serving certificates signed by the cluster CA (serverTLSBootstrap or a
    /// provisioned tlsCertFile) and client certificate rotation. Without the first, --kubelet-certificate-authority
    /// has nothing to verify against.
    /// </summary>
    protected override void AdviseOutsideUnits(ScanContext context, CheckResults results)
    {
        foreach (var (node, source, cfg) in KubeletCheck.CollectedConfigs(context))
        {
            var bootstrap = cfg.Bool("serverTLSBootstrap") == true;
            if (!bootstrap && string.IsNullOrEmpty(cfg.Str("tlsCertFile")))
            {
                results.Advise(node, source, $"kubelet on {node.Name} serves a self-signed certificate (neither serverTLSBootstrap: true " +
                                             "nor tlsCertFile): the API server cannot verify it against the cluster CA",
                    "configz.kubeletconfig.serverTLSBootstrap", cfg.Get("serverTLSBootstrap").Exists() ? "false" : "<unset>", "serverTLSBootstrap");
            }

            // KubeletConfiguration's default is false; kubeadm and most distributions set it to true.
            if (cfg.Bool("rotateCertificates") != true)
            {
                results.Advise(node, source, $"kubelet on {node.Name} does not rotate its client certificate (rotateCertificates is not true)",
                    "configz.kubeletconfig.rotateCertificates", cfg.Get("rotateCertificates").Exists() ? "false" : "<unset>", "rotateCertificates");
            }
        }
    }

    protected override void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit)
    {
        foreach (var flag in new[] { "kubelet-client-certificate", "kubelet-client-key" })
        {
            if (string.IsNullOrWhiteSpace(apiServer[flag]))
            {
                unit.Fail($"--{flag} is not set: the API server calls kubelets without a client identity",
                    apiServer.EvidencePath, "<unset>", key: flag);
            }
        }

        if (string.IsNullOrWhiteSpace(apiServer["kubelet-certificate-authority"]))
        {
            unit.Fail("--kubelet-certificate-authority is not set: the API server does not verify kubelet serving certificates",
                apiServer.EvidencePath, "<unset>", key: "kubelet-certificate-authority");
        }
    }
}
