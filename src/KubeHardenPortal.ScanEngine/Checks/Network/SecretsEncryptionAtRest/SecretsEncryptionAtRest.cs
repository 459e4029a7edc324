using System.Globalization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-016: Secrets are encrypted at rest in etcd (CATALOG.md §3).</summary>
public sealed class SecretsEncryptionAtRest : Check
{
    private const int RecentDays = 30;

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-016",
        Title = "Secrets encrypted at rest (prefer KMS)",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Secrets / Encryption (Appendix H: encryption config; Appendix I: KMS)",
        Target = CheckTarget.ControlPlane,
        Rationale = "Without an encryption provider, Secrets are stored in etcd in plain text: anyone with access to etcd, " +
                    "its backups or the control-plane disk reads every credential of the cluster.",
        Remediation = "Configure --encryption-provider-config with a KMS v2 provider first in the list for secrets, then " +
                      "rewrite existing Secrets so they are stored encrypted. On managed clusters enable envelope " +
                      "encryption (EKS encryptionConfig, GKE application-layer secrets encryption, AKS Key Vault KMS).",
        FixYaml = """
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
            - resources: ["secrets"]
              providers:
              - kms: {apiVersion: v2, name: corp-kms, endpoint: unix:///var/run/kms/corp.sock, timeout: 3s}
              - identity: {}
            """,
        References = new(["C-0066", "C-0141", "C-0142"], [], null, ["1.2.27", "1.2.28"]),
        Collectors = ['d', 'g', 'h'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var cp = context.ControlPlane;
        if (cp.IsManaged || (cp.ApiServers.Count == 0 && ApiServerEndpointExposure.ManagedProvider(context) is not null))
        {
            var provider = ApiServerEndpointExposure.ManagedProvider(context) ?? "managed control plane";
            results.Unknown(context.ClusterRef,
                $"{provider}: secrets encryption is a provider setting (EKS encryptionConfig, GKE databaseEncryption, AKS Key Vault KMS) " +
                "read through the cloud API (collector g), which the snapshot does not carry");
            return;
        }

        if (cp.ApiServers.Count == 0)
        {
            results.Unknown(context.ClusterRef, cp.UnavailableReason ?? "kube-apiserver flags are not visible");
            return;
        }

        foreach (var api in cp.ApiServers)
        {
            var unit = results.Begin(api.Pod);
            if (string.IsNullOrWhiteSpace(api["encryption-provider-config"]))
            {
                unit.Fail("--encryption-provider-config is not set: Secrets are stored unencrypted in etcd",
                    api.EvidencePath, "<unset>", key: "encryption-provider-config");
            }

            else
            {
                AdviseRewrite(context, api, unit);
            }

            // Present: configured, provider not verified (the /metrics collector h is not in snapshots yet), so the
            // provider-prefix advisories (KMS v1 deprecated, key on control-plane disk) cannot be decided here.
        }
    }

    /// <summary>
    /// Catalog edge case: Secrets written before encryption was enabled stay in plain text until re-written. When the
    /// config was introduced is not visible; a recently (re)created API server mirror pod is the best available hint.
    /// </summary>
    private static void AdviseRewrite(ScanContext context, ComponentFlags api, Unit unit)
    {
        var created = api.Pod.Metadata.Str("creationTimestamp");
        if (context.Options.Now == DateTimeOffset.UnixEpoch ||
            !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ||
            (context.Options.Now - at).TotalDays > RecentDays)
        {
            return;
        }

        unit.Advise($"kube-apiserver {api.Pod.Name} was (re)started on {at:yyyy-MM-dd} with --encryption-provider-config: if encryption was " +
                    "enabled or its provider changed then, re-write existing Secrets (kubectl get secrets -A -o json | kubectl replace -f -) " +
                    "and attest it, since Secrets stay as they were stored until re-written",
            "metadata.creationTimestamp", created, key: "rewrite-secrets");
    }
}
