using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>Whether an RBAC object belongs to the upstream bootstrap policy (CATALOG.md §1.9 rule 5).</summary>
public enum BootstrapStatus
{
    /// <summary>A user- or add-on-created object: evaluated in full.</summary>
    None,

    /// <summary>
    /// Carries rbac.authorization.kubernetes.io/autoupdate=true and is in the shipped baseline: only content beyond
    /// the baseline (extra rules, extra subjects) is evaluated.
    /// </summary>
    Baseline,

    /// <summary>
    /// Carries the autoupdate annotation and a "system:" name, but the shipped baseline does not describe it
    /// (controller roles, kube-dns...): its rules are trusted, and for bindings only subjects that are system
    /// identities (kube-system service accounts, "system:" users and groups other than the everyone-groups).
    /// </summary>
    Unverified,

    /// <summary>A baseline ClusterRole that is not in the input (manifests): every cluster has it, so bindings to it resolve.</summary>
    Virtual,
}

/// <summary>How a binding's roleRef resolved.</summary>
public enum RoleResolution
{
    Resolved,

    /// <summary>The role is not in the input and the input cannot prove it does not exist (manifests, partial collection).</summary>
    NotInInput,

    /// <summary>RBAC was fully collected and the role does not exist: the binding grants nothing.</summary>
    Missing,

    /// <summary>The roleRef is invalid (e.g. a ClusterRoleBinding to a Role): the binding grants nothing.</summary>
    Invalid,
}

/// <summary>A subject of a binding, normalised ("User system:serviceaccount:ns:name" is that service account).</summary>
public sealed class RbacSubject
{
    private const string SaUserPrefix = "system:serviceaccount:";

    internal RbacSubject(string kind, string name, string? ns, int index)
    {
        Kind = kind;
        Name = name;
        Index = index;
        if (kind == "ServiceAccount")
        {
            Namespace = ns ?? "";
            IsServiceAccount = true;
        }
        else if (kind == "User" && name.StartsWith(SaUserPrefix, StringComparison.Ordinal) &&
                 name[SaUserPrefix.Length..].Split(':') is [{ Length: > 0 } saNs, { Length: > 0 } saName])
        {
            IsServiceAccount = true;
            Namespace = saNs;
            ServiceAccountName = saName;
        }

        if (IsServiceAccount)
        {
            ServiceAccountName ??= name;
        }
    }

    /// <summary>User, Group or ServiceAccount as written in the binding.</summary>
    public string Kind { get; }

    public string Name { get; }

    /// <summary>Service accounts only: the account's namespace (a RoleBinding's own namespace when omitted).</summary>
    public string? Namespace { get; }

    /// <summary>Position in the binding's subjects list.</summary>
    public int Index { get; }

    public bool IsServiceAccount { get; }

    public string? ServiceAccountName { get; }

    public bool IsUser => Kind == "User" && !IsServiceAccount;

    public bool IsGroup => Kind == "Group";

    /// <summary>Stable identity for fingerprints and de-duplication.</summary>
    // Formatted once: five RBAC checks put these into every message and fingerprint.
    public string Key => _key ??= IsServiceAccount ? $"ServiceAccount:{Namespace}/{ServiceAccountName}" : $"{Kind}:{Name}";

    public string Display => _display ??= IsServiceAccount
        ? $"ServiceAccount {(string.IsNullOrEmpty(Namespace) ? "<no namespace>" : Namespace)}/{ServiceAccountName}"
        : $"{Kind} \"{Name}\"";

    private string? _key;
    private string? _display;
    private string? _path;

    /// <summary>Evidence path of the subject in its binding, e.g. "subjects[2]".</summary>
    public string Path => _path ??= JsonPaths.Indexed("subjects", Index);

    /// <summary>Members of system:masters are authorised before RBAC is consulted: bindings add nothing for them.</summary>
    public bool IsMasters => IsGroup && Name == "system:masters";

    /// <summary>Anonymous requests: user system:anonymous or group system:unauthenticated.</summary>
    public bool IsAnonymous => (Kind == "User" && Name == "system:anonymous") || (IsGroup && Name == "system:unauthenticated");

    /// <summary>Every authenticated identity, or every service account of the cluster.</summary>
    public bool IsEveryone => IsGroup && Name is "system:authenticated" or "system:serviceaccounts";

    /// <summary>A group standing for many identities: anonymous, everyone, all service accounts (of a namespace).</summary>
    public bool IsBroad => IsAnonymous || IsEveryone || (IsGroup && Name.StartsWith("system:serviceaccounts:", StringComparison.Ordinal));

    /// <summary>Kubelet identities (group system:nodes, users system:node:&lt;name&gt;).</summary>
    public bool IsNodeIdentity => (IsGroup && Name == "system:nodes") || (IsUser && Name.StartsWith("system:node:", StringComparison.Ordinal));

    /// <summary>
    /// An identity owned by the platform: a kube-system service account, or a reserved "system:" user or group
    /// other than the anonymous/everyone groups.
    /// </summary>
    public bool IsSystemIdentity =>
        IsServiceAccount ? Namespace == "kube-system"
        : !IsBroad && Name.StartsWith("system:", StringComparison.Ordinal) && Kind is "User" or "Group";

    public override string ToString() => Display;
}

/// <summary>A Role or ClusterRole with its effective rules (stored, aggregated, or from the shipped baseline).</summary>
public sealed class RbacRole
{
    internal RbacRole(KubeObject? obj, string kind, string? ns, string name, IReadOnlyDictionary<string, string> labels,
        CompactJson aggregationRule, IReadOnlyList<RbacRule> storedRules)
    {
        Object = obj;
        Kind = kind;
        Namespace = ns;
        Name = name;
        Labels = labels;
        AggregationRule = aggregationRule;
        StoredRules = storedRules;
        Rules = storedRules;
        ResidualRules = storedRules;
    }

    /// <summary>The object in the input; null for a <see cref="BootstrapStatus.Virtual"/> baseline role.</summary>
    public KubeObject? Object { get; }

    public string Kind { get; }

    public string? Namespace { get; }

    public string Name { get; }

    public bool IsClusterRole => Kind == "ClusterRole";

    public IReadOnlyDictionary<string, string> Labels { get; }

    internal CompactJson AggregationRule { get; }

    public bool IsAggregated => AggregationRule.ValueKind == JsonValueKind.Object;

    internal IReadOnlyList<RbacRule> StoredRules { get; }

    /// <summary>What the authorizer uses: stored rules (computed from the sources when an aggregated role has none),
    /// plus baseline rules the API server's reconciler adds back to bootstrap-named roles.</summary>
    public IReadOnlyList<RbacRule> Rules { get; internal set; }

    /// <summary>The parts of <see cref="Rules"/> beyond the upstream baseline for this role's name (all rules when
    /// no baseline exists for it).</summary>
    public IReadOnlyList<RbacRule> ResidualRules { get; internal set; }

    public BootstrapStatus Bootstrap { get; internal set; }

    /// <summary>True when the aggregation was computed here because the stored rules were empty (e.g. manifests).</summary>
    public bool RulesComputed { get; internal set; }

    /// <summary>ClusterRoles whose labels match this role's aggregationRule.</summary>
    public IReadOnlyList<RbacRole> AggregatedFrom { get; internal set; } = [];

    /// <summary>Referenced by a binding with at least one subject, directly or through a role that aggregates it.</summary>
    public bool IsBound { get; internal set; }

    /// <summary>
    /// Rules this role is answerable for when judged as an object: non-baseline content, minus rules that an
    /// aggregated role only copied from a source (those are reported on the source). Empty for bootstrap roles
    /// whose content matches the baseline and for unverified bootstrap roles.
    /// </summary>
    /// <remarks>Computed on first read (by the checks, once the engine is built): every RBAC check reads it, and one
    /// list shared by all of them also shares their probe matches (memoised per rule list).</remarks>
    public IReadOnlyList<RbacRule> OwnEvaluatedRules => _ownEvaluatedRules ??= Bootstrap switch
    {
        BootstrapStatus.Virtual or BootstrapStatus.Unverified => [],
        BootstrapStatus.Baseline => WithoutCopies(ResidualRules),
        _ => WithoutCopies(Rules),
    };

    private IReadOnlyList<RbacRule>? _ownEvaluatedRules;

    /// <summary>The rules this role owns (not copied from an aggregation source); the list itself when that is all of them.</summary>
    private static IReadOnlyList<RbacRule> WithoutCopies(IReadOnlyList<RbacRule> rules)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Source is not null)
            {
                return rules.Where(r => r.Source is null).ToList();
            }
        }

        return rules;
    }

    public ResourceRef Ref => Object?.Ref ?? new ResourceRef("rbac.authorization.k8s.io/v1", Kind, Namespace, Name);

    public string Display
    {
        get
        {
            var name = _display ??= Namespace is null ? $"{Kind} \"{Name}\"" : $"{Kind} \"{Namespace}/{Name}\"";
            return Bootstrap == BootstrapStatus.Virtual ? _builtInDisplay ??= name + " (built-in)" : name;
        }
    }

    private string? _display;
    private string? _builtInDisplay;

    public override string ToString() => Display;
}

/// <summary>A RoleBinding or ClusterRoleBinding with its role resolved.</summary>
public sealed class RbacBinding
{
    // Only bootstrap bindings have any: allocated on the first one.
    private HashSet<int>? _bootstrapSubjects;

    internal RbacBinding(KubeObject obj, bool isCluster, string roleKind, string roleName, IReadOnlyList<RbacSubject> subjects)
    {
        Object = obj;
        IsClusterBinding = isCluster;
        RoleKind = roleKind;
        RoleName = roleName;
        Subjects = subjects;
    }

    public KubeObject Object { get; }

    public bool IsClusterBinding { get; }

    /// <summary>The namespace a RoleBinding grants in; null for a ClusterRoleBinding (cluster-wide).</summary>
    public string? Namespace => IsClusterBinding ? null : Object.Namespace;

    public string Name => Object.Name;

    public string RoleKind { get; }

    public string RoleName { get; }

    public IReadOnlyList<RbacSubject> Subjects { get; }

    public RbacRole? Role { get; internal set; }

    public RoleResolution Resolution { get; internal set; }

    public BootstrapStatus Bootstrap { get; internal set; }

    public string RoleDisplay => _roleDisplay ??= $"{RoleKind} \"{RoleName}\"";

    public string ScopeText => _scopeText ??= IsClusterBinding ? "cluster-wide" : $"in namespace \"{Namespace}\"";

    public string Display => _display ??= IsClusterBinding ? $"ClusterRoleBinding \"{Name}\"" : $"RoleBinding \"{Namespace}/{Name}\"";

    private string? _roleDisplay;
    private string? _scopeText;
    private string? _display;

    /// <summary>The grants of this binding, one per subject, built once (every RBAC check walks them).</summary>
    internal RbacGrant[]? GrantCache { get; set; }

    internal void MarkBootstrapSubject(int index) => (_bootstrapSubjects ??= []).Add(index);

    /// <summary>True for a subject the bootstrap policy itself grants this binding to.</summary>
    public bool IsBootstrapSubject(RbacSubject subject) => _bootstrapSubjects?.Contains(subject.Index) == true;

    /// <summary>Every subject is a bootstrap subject and the role adds nothing beyond the baseline.</summary>
    public bool IsFullyBootstrap =>
        Bootstrap != BootstrapStatus.None && Subjects.Count > 0 && Subjects.All(IsBootstrapSubject) &&
        (Bootstrap == BootstrapStatus.Unverified || Role is null || Role.ResidualRules.Count == 0);

    public override string ToString() => Display;
}

/// <summary>Rules that apply in a scope: cluster-wide (ClusterRoleBinding) or one namespace (RoleBinding).</summary>
public sealed record RbacAccess(IReadOnlyList<RbacRule> Rules, bool IsCluster, string? Namespace)
{
    /// <summary>Cluster-scoped permissions confer nothing through a RoleBinding (CATALOG.md §1.9 rule 1).</summary>
    public PermissionMatch Allows(PermissionProbe probe) =>
        !IsCluster && probe.ClusterScoped ? PermissionMatch.Empty
        : Rules.Count == 0 ? PermissionMatch.Empty
        : Cache is { } cache ? cache.Match(Rules, probe)
        : RbacMatcher.Match(Rules, probe);

    /// <summary>The scan's match memo (<see cref="RbacEngine.Matches"/>); null matches without memoising.</summary>
    internal RbacMatchCache? Cache { get; init; }

    public string ScopeText => IsCluster ? "cluster-wide" : $"in namespace \"{Namespace}\"";
}

/// <summary>
/// What one binding gives one subject: the rules to evaluate (for a bootstrap subject only the rules beyond the
/// baseline) in the binding's scope.
/// </summary>
public sealed class RbacGrant
{
    internal RbacGrant(RbacBinding binding, RbacSubject subject, RbacRole role, IReadOnlyList<RbacRule> rules, RbacMatchCache? cache = null)
    {
        Binding = binding;
        Subject = subject;
        Role = role;
        Access = new RbacAccess(rules, binding.IsClusterBinding, binding.Namespace) { Cache = cache };
    }

    public RbacBinding Binding { get; }

    public RbacSubject Subject { get; }

    public RbacRole Role { get; }

    public RbacAccess Access { get; }

    public IReadOnlyList<RbacRule> Rules => Access.Rules;

    public bool IsCluster => Binding.IsClusterBinding;

    public PermissionMatch Allows(PermissionProbe probe) => Access.Allows(probe);

    public override string ToString() => $"{Subject} via {Binding} → {Role}";
}

/// <summary>
/// Matches of probes against rule lists, for one scan. Rule lists are shared by every subject and binding of a role and
/// the checks ask the same probes of them, so five RBAC checks × N subjects match each role once per probe. Owned by
/// the scan (not a process-wide weak table): weak-table entries are GC dependent handles that every collection walks.
/// One dictionary keyed by (rules, probe) identity: a dictionary per rule list cost more than its few entries.
/// </summary>
internal sealed class RbacMatchCache
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(IReadOnlyList<RbacRule> Rules, PermissionProbe Probe), PermissionMatch> _matches =
        new(KeyComparer.Instance);

    // Only grants are memoised: deciding "nothing" takes a scan that allocates nothing, where a memo entry would.
    public PermissionMatch Match(IReadOnlyList<RbacRule> rules, PermissionProbe probe) =>
        !RbacMatcher.Grants(rules, probe) ? PermissionMatch.Empty
        : _matches.GetOrAdd((rules, probe), static k => RbacMatcher.Match(k.Rules, k.Probe));

    private sealed class KeyComparer : IEqualityComparer<(IReadOnlyList<RbacRule> Rules, PermissionProbe Probe)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((IReadOnlyList<RbacRule> Rules, PermissionProbe Probe) x, (IReadOnlyList<RbacRule> Rules, PermissionProbe Probe) y) =>
            ReferenceEquals(x.Rules, y.Rules) && ReferenceEquals(x.Probe, y.Probe);

        public int GetHashCode((IReadOnlyList<RbacRule> Rules, PermissionProbe Probe) k) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k.Rules),
                System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k.Probe));
    }
}
