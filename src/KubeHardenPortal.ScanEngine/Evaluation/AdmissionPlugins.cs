namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// The effective admission-plugin set of a kube-apiserver (CATALOG.md KH-AUTH-014): version defaults ∪
/// --enable-admission-plugins − --disable-admission-plugins; the deprecated --admission-control enables exactly
/// what it lists and nothing else.
/// </summary>
public static class AdmissionPlugins
{
    private static readonly string[] DefaultsBase =
    [
        "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "TaintNodesByCondition", "Priority",
        "DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection", "PersistentVolumeClaimResize",
        "RuntimeClass", "CertificateApproval", "CertificateSigning", "CertificateSubjectRestriction",
        "DefaultIngressClass", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota",
    ];

    /// <summary>Default-on plugins for a server version (null version: the newest defaults).</summary>
    public static IReadOnlySet<string> Defaults(KubeVersion? version)
    {
        var set = new HashSet<string>(DefaultsBase, StringComparer.Ordinal);
        if (version is null || version.Value.AtLeast(1, 23))
        {
            set.Add("PodSecurity");
        }

        if (version is null || version.Value.AtLeast(1, 30))
        {
            set.Add("ValidatingAdmissionPolicy");
        }

        if (version is null || version.Value.AtLeast(1, 27))
        {
            set.Add("ClusterTrustBundleAttest");
        }

        return set;
    }

    /// <summary>The plugins that are on, and whether the legacy --admission-control flag decided it.</summary>
    public static (IReadOnlySet<string> Enabled, bool Legacy) Effective(ComponentFlags apiServer, KubeVersion? version)
    {
        if (apiServer.Has("admission-control"))
        {
            return (new HashSet<string>(apiServer.List("admission-control"), StringComparer.Ordinal), true);
        }

        var set = new HashSet<string>(Defaults(version), StringComparer.Ordinal);
        set.UnionWith(apiServer.List("enable-admission-plugins"));
        set.ExceptWith(apiServer.List("disable-admission-plugins"));
        return (set, false);
    }
}
