using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks;

/// <summary>Every check in the engine, discovered once and sorted by id. The catalog page, CLI and SARIF read it.</summary>
public static class CheckCatalog
{
    /// <summary>Bumped whenever a check is added, removed or changes meaning.</summary>
    public const string Version = "2026.11.1";

    private static readonly Lazy<IReadOnlyList<Check>> LazyAll = new(Discover);

    public static IReadOnlyList<Check> All => LazyAll.Value;

    public static IReadOnlyList<CheckDefinition> Definitions => All.Select(c => c.Definition).ToList();

    public static Check? Find(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Definition.Id, id, StringComparison.OrdinalIgnoreCase));

    // Listed here rather than found by reflection: the native kubeharden binary keeps only code that is referenced,
    // so reflection would find no checks there. CatalogTests fails when a Check subclass is missing from this list.
    private static IReadOnlyList<Check> Discover()
    {
        Check[] checks =
        [
            new Auth.AdmissionPluginBaseline(),
            new Auth.AnonymousGroupBindings(),
            new Auth.ApiServerAnonymousAuth(),
            new Auth.ApiServerAuthorizationMode(),
            new Auth.ClusterAdminBindings(),
            new Auth.EscalateBindImpersonate(),
            new Auth.KubeletAnonymousAuth(),
            new Auth.KubeletClientCa(),
            new Auth.KubeletWebhookAuth(),
            new Auth.LegacyServiceAccountTokens(),
            new Auth.PodExecPermissions(),
            new Auth.PrivilegeEscalationPermissions(),
            new Auth.RbacWildcards(),
            new Auth.SecretsReadAccess(),
            new Images.ApprovedRegistries(),
            new Images.ImageSignatureVerification(),
            new Images.ImageVulnerabilities(),
            new Images.ImmutableImageReferences(),
            new Logging.AuditLogRetention(),
            new Logging.AuditLoggingEnabled(),
            new Logging.AuditPolicyContent(),
            new Logging.LogForwardingAndRuntimeDetection(),
            new Network.ApiServerEndpointExposure(),
            new Network.ApiServerInsecurePort(),
            new Network.ApiServerKubeletTls(),
            new Network.CniEnforcesPolicy(),
            new Network.ContainerResourceLimits(),
            new Network.CredentialsInConfigMaps(),
            new Network.CredentialsInEnv(),
            new Network.DefaultDenyEgress(),
            new Network.DefaultDenyIngress(),
            new Network.EtcdTls(),
            new Network.IngressTls(),
            new Network.KubeletPodPidsLimit(),
            new Network.KubeletProtectKernelDefaults(),
            new Network.KubeletReadOnlyPort(),
            new Network.LimitRangePresent(),
            new Network.MetadataEgressBlocked(),
            new Network.ResourceQuotaPresent(),
            new Network.SecretsEncryptionAtRest(),
            new Network.WorkloadNetworkIsolation(),
            new Pod.AppArmorSelinux(),
            new Pod.DangerousCapabilities(),
            new Pod.DefaultServiceAccount(),
            new Pod.DropAllCapabilities(),
            new Pod.HostNamespaces(),
            new Pod.HostPathVolumes(),
            new Pod.HostPorts(),
            new Pod.NonRootGroups(),
            new Pod.PodSecurityAdmission(),
            new Pod.PrivilegeEscalation(),
            new Pod.PrivilegedContainer(),
            new Pod.ReadOnlyRootFilesystem(),
            new Pod.RunAsNonRoot(),
            new Pod.SeccompProfile(),
            new Pod.ServiceAccountTokenAutomount(),
            new Pod.UnsafeSysctlsProcMountProbes(),
            new Upgrade.ControlPlaneVersionSupported(),
            new Upgrade.NodeVersionSkew(),
            new Upgrade.VulnerableAddons(),
        ];
        return checks.OrderBy(c => c.Definition.Id, StringComparer.Ordinal).ToList();
    }
}
