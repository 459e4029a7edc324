namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>Settings of one evaluation. Everything that varies by tenant or by run lives here, not in checks.</summary>
public sealed record ScanOptions
{
    /// <summary>CATALOG.md §1.7 default exclusions for workload and namespace checks.</summary>
    public static readonly IReadOnlySet<string> DefaultExcludedNamespaces =
        new HashSet<string>(StringComparer.Ordinal) { "kube-system", "kube-public", "kube-node-lease" };

    public IReadOnlySet<string> ExcludedNamespaces { get; init; } = DefaultExcludedNamespaces;

    /// <summary>Run only these check ids (validated by the caller against the catalog); null runs all.</summary>
    public IReadOnlySet<string>? OnlyChecks { get; init; }

    /// <summary>Part of every fingerprint; the portal passes the cluster id, the CLI passes "" unless told.</summary>
    public string ClusterId { get; init; } = "";

    /// <summary>The moment of the evaluation (from the caller's TimeProvider); used by date-based checks.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>KH-IMG-002: registries (optionally with a path) images may come from. Empty → the check is Manual.</summary>
    public IReadOnlyList<string> ApprovedRegistries { get; init; } = [];

    /// <summary>KH-IMG-001: repositories exempt from digest pinning (tag is enough).</summary>
    public IReadOnlyList<string> DigestExemptRepositories { get; init; } = [];

    /// <summary>KH-POD-006: an unset runAsGroup fails (the image decides the group).</summary>
    public bool RequireExplicitRunAsGroup { get; init; } = true;

    /// <summary>KH-NET-008 / KH-NET-006: also require CPU limits.</summary>
    public bool RequireCpuLimits { get; init; } = true;

    /// <summary>KH-NET-009: highest acceptable podPidsLimit.</summary>
    public long PodPidsLimitCeiling { get; init; } = 16384;

    /// <summary>Parallelism of check evaluation; 0 means one per core.</summary>
    public int MaxDegreeOfParallelism { get; init; }

    /// <summary>
    /// KH-AUTH-009: namespace labels ("key=value") that mark a namespace as production (exec findings there are High).
    /// </summary>
    public IReadOnlyList<string> ProductionNamespaceLabels { get; init; } =
        ["environment=production", "environment=prod", "env=production", "env=prod"];

    /// <summary>
    /// KH-POD-004: host paths that escalate a hostPath finding (a volume path equal to, above or below an entry; "/"
    /// matches only itself). Null uses the catalog's default list.
    /// </summary>
    public IReadOnlyList<string>? SensitiveHostPaths { get; init; }

    /// <summary>KH-NET-004: cloud metadata addresses (IPv4 or IPv6) workloads must not reach on TCP 80.</summary>
    public IReadOnlyList<string> MetadataEgressTargets { get; init; } = ["169.254.169.254"];

    /// <summary>KH-NET-004: the cluster is tagged on-premises without a metadata service, so the check is not applicable.</summary>
    public bool NoCloudMetadataService { get; init; }

    /// <summary>KH-NET-017/018: case-insensitive substrings of variable or key names that suggest a credential.</summary>
    public IReadOnlyList<string> CredentialNameTerms { get; init; } =
    [
        "aws_secret_access_key", "azure_batchai_storage_key", "azure_batch_key", "secret", "key", "password", "pwd", "token",
        "jwt", "bearer", "credential", "passwd", "apikey", "api_key", "private_key", "client_secret",
        "key_content", "secret_key", "access_key", "signing_key", "encryption_key",
    ];

    /// <summary>KH-NET-017/018: variable/key names (case-insensitive) or literal values that are never reported.</summary>
    public IReadOnlyList<string> CredentialAllowlist { get; init; } = [];

    public bool IsExcluded(string? ns) => ns is not null && ExcludedNamespaces.Contains(ns);

    // --- Logging, Upgrade and Images checks (KH-LOG/UPG/IMG) ---

    /// <summary>KH-LOG-002: minimum --audit-log-maxage (days), --audit-log-maxbackup (files), --audit-log-maxsize (MB).</summary>
    public int AuditLogMinAgeDays { get; init; } = 30;

    public int AuditLogMinBackups { get; init; } = 10;

    public int AuditLogMinSizeMb { get; init; } = 100;

    /// <summary>KH-LOG-004: the tenant's own log-shipping agent images (globs over the canonical repository, e.g. "registry.example.org/obs/*").</summary>
    public IReadOnlyList<string> LogAgentImagePatterns { get; init; } = [];

    /// <summary>KH-LOG-004: the tenant's own runtime-security sensor images (globs over the canonical repository).</summary>
    public IReadOnlyList<string> RuntimeSensorImagePatterns { get; init; } = [];

    /// <summary>KH-UPG-001/002: the release table maintained by the portal; null uses the engine's embedded table.</summary>
    public KubernetesReleaseTable? KubernetesReleases { get; init; }

    /// <summary>KH-UPG-002: the organization's known-bad node OS images and kernels; a matching node gets an advisory.</summary>
    public IReadOnlyList<NodeImageRule> KnownBadNodeImages { get; init; } = [];

    /// <summary>KH-UPG-001: a patch level more than this many releases behind the newest patch of its minor fails.</summary>
    public int PatchLagMaxReleases { get; init; } = 2;

    /// <summary>KH-UPG-001: a patch level behind a newest patch that has been out for more than this many days fails.</summary>
    public int PatchLagMaxDays { get; init; } = 60;

    /// <summary>KH-IMG-003: days a fixable Critical vulnerability may stay unpatched after publication.</summary>
    public int VulnerabilityFixSlaDays { get; init; } = 15;

    /// <summary>KH-IMG-003: a scanner report older than this many days does not count (Unknown).</summary>
    public int VulnerabilityScanMaxAgeDays { get; init; } = 7;

    /// <summary>KH-IMG-003: optional ceilings on the report's Critical / High counts (null: no ceiling).</summary>
    public int? MaxCriticalVulnerabilities { get; init; }

    public int? MaxHighVulnerabilities { get; init; }
}

/// <summary>
/// One entry of an organization's known-bad node image list (CATALOG.md KH-UPG-002): case-insensitive wildcards ('*',
/// '?') over <c>status.nodeInfo.osImage</c> and/or <c>kernelVersion</c>. With both set, both must match; a rule with
/// neither matches nothing (settings validation rejects it).
/// </summary>
public sealed record NodeImageRule(string? OsImage, string? KernelVersion, string Reason)
{
    public bool IsValid => !string.IsNullOrWhiteSpace(OsImage) || !string.IsNullOrWhiteSpace(KernelVersion);

    public bool Matches(string? osImage, string? kernelVersion) =>
        IsValid &&
        (string.IsNullOrWhiteSpace(OsImage) || (osImage is not null && Glob.IsMatch(OsImage, osImage))) &&
        (string.IsNullOrWhiteSpace(KernelVersion) || (kernelVersion is not null && Glob.IsMatch(KernelVersion, kernelVersion)));
}
