namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>The guide sections of NSA/CISA Kubernetes Hardening Guidance v1.2 (plus the supply-chain group).</summary>
public static class GuideSections
{
    public const string PodSecurity = "Kubernetes Pod security";
    public const string Network = "Network separation and hardening";
    public const string Authentication = "Authentication and authorization";
    public const string Logging = "Audit logging and threat detection";
    public const string Upgrading = "Upgrading and application security practices";
    public const string SupplyChain = "Supply chain and images";

    public static readonly IReadOnlyList<string> All =
        [PodSecurity, Network, Authentication, Logging, Upgrading, SupplyChain];
}

/// <summary>Cross-references to other frameworks, exactly as CATALOG.md §10 gives them.</summary>
public sealed record CheckReferences(
    IReadOnlyList<string> Kubescape,
    IReadOnlyList<string> Polaris,
    string? Pss,
    IReadOnlyList<string> Cis)
{
    public static readonly CheckReferences None = new([], [], null, []);
}

/// <summary>
/// Everything a person or a report needs to know about a check. One instance per check class, the single
/// source of truth for the catalog page, the CLI, SARIF rules and the docs (STYLE.md §2.6).
/// </summary>
public sealed record CheckDefinition
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required Severity Severity { get; init; }
    public required string Section { get; init; }

    /// <summary>Where in the guide, e.g. "Pod security → Pod security enforcement".</summary>
    public required string GuideReference { get; init; }

    public required CheckTarget Target { get; init; }
    public required string Rationale { get; init; }
    public required string Remediation { get; init; }

    /// <summary>A YAML snippet that shows the fix.</summary>
    public required string FixYaml { get; init; }

    public required CheckReferences References { get; init; }

    /// <summary>Which collectors (CATALOG.md §1.8, letters a–j) the check needs.</summary>
    public IReadOnlyList<char> Collectors { get; init; } = ['a'];
}

/// <summary>A guide recommendation the API cannot prove; tracked as an attestation (CATALOG.md §9).</summary>
public sealed record ManualControl(string Id, string Recommendation, string WhyNotAutomatic, string Evidence, string ReviewCadence)
{
    /// <summary>Short name for lists (the attestation queue).</summary>
    public string Title { get; init; } = "";

    /// <summary>The guide section the recommendation belongs to (one of <see cref="GuideSections.All"/>).</summary>
    public string Section { get; init; } = "";

    /// <summary>Automated checks whose results are supporting evidence (never the verdict).</summary>
    public IReadOnlyList<string> RelatedChecks { get; init; } = [];
}
