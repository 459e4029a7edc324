using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>
/// RBAC evaluation engine (CATALOG.md §1.9), built once per scan and read-only afterwards (checks run in parallel).
/// <list type="number">
/// <item>Roles and bindings are indexed; each binding's roleRef is resolved (a RoleBinding to a Role of its own
/// namespace or to a ClusterRole; a ClusterRoleBinding only to a ClusterRole).</item>
/// <item>Aggregated ClusterRoles keep their stored rules; when those are empty and an aggregationRule is present
/// (manifests), the rules are computed from the ClusterRoles whose labels match. Every aggregated rule is
/// attributed to the role that owns it.</item>
/// <item>Bootstrap objects are recognised by the autoupdate annotation and compared with the shipped baseline:
/// extra rules and extra subjects are evaluated, the baseline is not. In manifests, baseline ClusterRoles that
/// are not in the input exist virtually, so a binding to "edit" resolves to what "edit" grants.</item>
/// </list>
/// </summary>
public sealed class RbacEngine
{
    public const string RbacGroup = "rbac.authorization.k8s.io";

    private static readonly string[] RbacResources = ["clusterroles", "clusterrolebindings", "roles", "rolebindings"];

    private readonly Dictionary<string, RbacRole> _clusterRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Ns, string Name), RbacRole> _roles = [];
    private readonly List<RbacRole> _allRoles = [];
    private readonly List<RbacBinding> _bindings = [];
    private readonly Dictionary<string, List<(RbacBinding Binding, RbacSubject Subject)>> _bySubject = new(StringComparer.Ordinal);

    internal RbacEngine(ScanContext context)
    {
        Context = context;
        IsClusterSnapshot = !context.IsManifestScan;
        var missing = new List<string>();
        if (IsClusterSnapshot)
        {
            foreach (var r in RbacResources)
            {
                if (!context.Snapshot.IsComplete(r + "." + RbacGroup))
                {
                    missing.Add(r);
                }
            }
        }

        MissingResources = missing;
        var policy = BootstrapPolicy.Instance;

        LoadRoles(context, policy);
        ComputeAggregation();
        ApplyBaseline(policy);
        LoadBindings(context, policy);
        MarkBound();
    }

    internal ScanContext Context { get; }

    /// <summary>Probe matches of this scan's rule lists (see <see cref="RbacMatchCache"/>).</summary>
    internal RbacMatchCache Matches { get; } = new();

    /// <summary>False for manifest scans: the input is a subset, so absent bindings or roles prove nothing.</summary>
    public bool IsClusterSnapshot { get; }

    /// <summary>RBAC resource types a cluster snapshot lacks (forbidden, not collected...).</summary>
    public IReadOnlyList<string> MissingResources { get; }

    /// <summary>Every role and ClusterRole binding was collected: an unbound role is really unbound.</summary>
    public bool BindingsComplete => IsClusterSnapshot && !MissingResources.Contains("rolebindings") && !MissingResources.Contains("clusterrolebindings");

    public bool HasAnyRbacData => _bindings.Count > 0 || _allRoles.Any(r => r.Object is not null);

    /// <summary>Roles and ClusterRoles of the input, plus virtual baseline ClusterRoles (Object null).</summary>
    public IReadOnlyList<RbacRole> Roles => _allRoles;

    public IReadOnlyList<RbacBinding> Bindings => _bindings;

    public RbacRole? ClusterRole(string name) => _clusterRoles.GetValueOrDefault(name);

    public RbacRole? Role(string ns, string name) => _roles.GetValueOrDefault((ns, name));

    /// <summary>
    /// What each subject of a binding receives. A bootstrap subject of a baseline binding receives only the rules
    /// beyond the baseline; a system subject of an unverified bootstrap binding receives nothing to evaluate.
    /// Unresolved bindings give no grants.
    /// </summary>
    public IReadOnlyList<RbacGrant> Grants(RbacBinding binding)
    {
        if (binding.Role is not { } role)
        {
            return [];
        }

        // Built once per binding; a race builds two equal arrays and keeps one, which is harmless.
        return binding.GrantCache ??= BuildGrants(binding, role);
    }

    // A loop: a LINQ Select here allocated a closure, a delegate and an iterator per binding.
    private RbacGrant[] BuildGrants(RbacBinding binding, RbacRole role)
    {
        var grants = new RbacGrant[binding.Subjects.Count];
        for (var i = 0; i < grants.Length; i++)
        {
            grants[i] = NewGrant(binding, binding.Subjects[i], role);
        }

        return grants;
    }

    public RbacGrant? Grant(RbacBinding binding, RbacSubject subject) =>
        binding.Role is { } role ? GrantFor(binding, subject, role) : null;

    /// <summary>
    /// Every grant that applies to a service account: bindings naming it (as ServiceAccount or as the user
    /// system:serviceaccount:ns:name) and bindings to the groups it belongs to (system:serviceaccounts,
    /// system:serviceaccounts:&lt;ns&gt;, system:authenticated).
    /// </summary>
    public IReadOnlyList<RbacGrant> GrantsForServiceAccount(string ns, string name, bool includeGroups = true)
    {
        var keys = new List<string> { $"ServiceAccount:{ns}/{name}" };
        if (includeGroups)
        {
            keys.Add("Group:system:serviceaccounts");
            keys.Add("Group:system:serviceaccounts:" + ns);
            keys.Add("Group:system:authenticated");
        }

        var result = new List<RbacGrant>();
        foreach (var key in keys)
        {
            if (!_bySubject.TryGetValue(key, out var list))
            {
                continue;
            }

            foreach (var (binding, subject) in list)
            {
                // A RoleBinding only grants in its own namespace; its group subjects apply there too.
                if (binding.Role is { } role)
                {
                    result.Add(GrantFor(binding, subject, role));
                }
            }
        }

        return result;
    }

    /// <summary>Grants naming exactly this subject (same kind and name; service accounts in either spelling).</summary>
    public IReadOnlyList<RbacGrant> GrantsForSubject(RbacSubject subject)
    {
        if (!_bySubject.TryGetValue(subject.Key, out var list))
        {
            return [];
        }

        var grants = new List<RbacGrant>(list.Count);
        foreach (var (binding, s) in list)
        {
            if (binding.Role is { } role)
            {
                grants.Add(GrantFor(binding, s, role));
            }
        }

        return grants;
    }

    /// <summary>CATALOG.md KH-AUTH-006 rule 1: ClusterRole cluster-admin, or a rule granting every verb on every resource.</summary>
    public static bool IsAdminEquivalent(RbacRole role, IReadOnlyList<RbacRule> rules) =>
        (role.IsClusterRole && role.Name == "cluster-admin" && rules.Count > 0) || rules.Any(RbacMatcher.IsAdminEquivalent);

    /// <summary>True when the subject holds admin-equivalent rights cluster-wide through some ClusterRoleBinding.</summary>
    public bool IsClusterAdmin(RbacSubject subject) =>
        subject.IsMasters || _clusterAdmin.GetOrAdd(subject.Key, static (key, engine) => engine.HasClusterAdminBinding(key), this);

    // What GrantsForSubject(..).Any(cluster-wide and admin-equivalent) answers, without building the grants.
    private bool HasClusterAdminBinding(string subjectKey)
    {
        if (_bySubject.TryGetValue(subjectKey, out var list))
        {
            foreach (var (binding, _) in list)
            {
                if (binding.IsClusterBinding && binding.Role is { } role && IsAdminEquivalent(role, role.Rules))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // Asked for every grant by KH-AUTH-010 and others; the answer depends only on the subject's identity.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _clusterAdmin = new(StringComparer.Ordinal);

    private RbacGrant GrantFor(RbacBinding binding, RbacSubject subject, RbacRole role)
    {
        var grants = Grants(binding);
        for (var i = 0; i < grants.Count; i++)
        {
            if (ReferenceEquals(grants[i].Subject, subject))
            {
                return grants[i];
            }
        }

        return NewGrant(binding, subject, role);
    }

    private RbacGrant NewGrant(RbacBinding binding, RbacSubject subject, RbacRole role)
    {
        IReadOnlyList<RbacRule> rules = !binding.IsBootstrapSubject(subject) ? role.Rules
            : binding.Bootstrap == BootstrapStatus.Unverified ? []
            : role.ResidualRules;
        return new RbacGrant(binding, subject, role, rules, Matches);
    }

    private void LoadRoles(ScanContext context, BootstrapPolicy policy)
    {
        foreach (var kind in (string[])["ClusterRole", "Role"])
        {
            foreach (var obj in context.OfKind(kind))
            {
                if (obj.Group != RbacGroup)
                {
                    continue;
                }

                var isCluster = kind == "ClusterRole";
                var rules = new List<RbacRule>();
                var i = 0;
                foreach (var r in obj.Json.Get("rules").Items())
                {
                    rules.Add(RbacRule.Parse(r, i++));
                }

                var role = new RbacRole(obj, kind, isCluster ? null : obj.Namespace ?? "default", obj.Name, obj.Labels,
                    isCluster ? obj.Json.Get("aggregationRule") : default, rules);
                var added = isCluster ? _clusterRoles.TryAdd(role.Name, role) : _roles.TryAdd((role.Namespace!, role.Name), role);
                if (!added)
                {
                    continue; // a duplicate object in the input: the first one wins
                }

                // In manifests an absent annotation counts as "true" for baseline names: the API server's reconciler
                // treats the role as its own at start-up and restores the annotation (only "false" opts out).
                var annotation = obj.Annotations.GetValueOrDefault(BootstrapPolicy.AutoUpdateAnnotation);
                var autoUpdate = annotation == "true" ||
                                 (!IsClusterSnapshot && annotation is null && isCluster && policy.Role(role.Name) is not null);
                role.Bootstrap = autoUpdate
                    ? isCluster && policy.Role(role.Name) is not null ? BootstrapStatus.Baseline
                    : role.Name.StartsWith("system:", StringComparison.Ordinal) ? BootstrapStatus.Unverified
                    : BootstrapStatus.None
                    : BootstrapStatus.None;
                _allRoles.Add(role);
            }
        }

        // Every cluster has the baseline ClusterRoles; only a complete cluster snapshot can prove one is gone.
        var clusterRolesComplete = IsClusterSnapshot && !MissingResources.Contains("clusterroles");
        if (!clusterRolesComplete)
        {
            foreach (var b in policy.Roles.Values)
            {
                if (!_clusterRoles.ContainsKey(b.Name))
                {
                    var role = new RbacRole(null, "ClusterRole", null, b.Name, b.Labels, b.AggregationRule, b.OwnRules)
                    {
                        Bootstrap = BootstrapStatus.Virtual,
                    };
                    _clusterRoles[b.Name] = role;
                    _allRoles.Add(role);
                }
            }
        }
    }

    private void ComputeAggregation()
    {
        var aggregated = _clusterRoles.Values.Where(r => r.IsAggregated).ToList();
        foreach (var role in aggregated)
        {
            role.AggregatedFrom = _clusterRoles.Values
                .Where(s => !ReferenceEquals(s, role) && BootstrapPolicy.Selects(role.AggregationRule, s.Labels))
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .ToList();
        }

        var computed = new Dictionary<RbacRole, List<RbacRule>>();
        foreach (var role in aggregated)
        {
            var rules = EffectiveAggregate(role, computed, []);
            var attributed = new List<RbacRule>(rules.Count);
            for (var i = 0; i < rules.Count; i++)
            {
                var (owner, ownerIndex) = FindOwner(role, rules[i], []);
                attributed.Add(rules[i].WithSource(owner, i, ownerIndex));
            }

            role.Rules = attributed;
            role.RulesComputed = role.StoredRules.Count == 0;
        }
    }

    /// <summary>Stored rules; for an aggregated role without stored rules, the union of its sources (recursively).</summary>
    private static List<RbacRule> EffectiveAggregate(RbacRole role, Dictionary<RbacRole, List<RbacRule>> memo, HashSet<RbacRole> visiting)
    {
        if (!role.IsAggregated || role.StoredRules.Count > 0)
        {
            return [.. role.StoredRules];
        }

        if (memo.TryGetValue(role, out var done))
        {
            return done;
        }

        if (!visiting.Add(role))
        {
            return []; // a selector cycle: the controller would converge on the union; stop here
        }

        var rules = new List<RbacRule>();
        foreach (var source in role.AggregatedFrom)
        {
            foreach (var rule in EffectiveAggregate(source, memo, visiting))
            {
                if (!rules.Any(r => r.SameContent(rule)))
                {
                    rules.Add(rule);
                }
            }
        }

        visiting.Remove(role);
        memo[role] = rules;
        return rules;
    }

    /// <summary>The non-aggregated role (reached through the aggregation sources) whose own rules hold this rule.</summary>
    private static (RbacRole? Owner, int Index) FindOwner(RbacRole role, RbacRule rule, HashSet<RbacRole> visiting)
    {
        if (!visiting.Add(role))
        {
            return (null, -1);
        }

        foreach (var source in role.AggregatedFrom)
        {
            if (source.IsAggregated)
            {
                var deeper = FindOwner(source, rule, visiting);
                if (deeper.Owner is not null)
                {
                    return deeper;
                }

                continue;
            }

            for (var i = 0; i < source.StoredRules.Count; i++)
            {
                if (source.StoredRules[i].SameContent(rule))
                {
                    return (source, i);
                }
            }
        }

        return (null, -1);
    }

    /// <summary>
    /// For ClusterRoles named like a baseline role, everything beyond the baseline is the residual. In manifests, a
    /// baseline-named role also keeps the baseline rules: applied to a cluster, the API server's reconciler adds them
    /// back at start-up unless autoupdate is "false". A cluster snapshot shows the reconciled result already, and
    /// its stored rules are what the authorizer uses (the baseline is a union over minors, so adding it there could
    /// invent rules an older cluster does not have).
    /// </summary>
    private void ApplyBaseline(BootstrapPolicy policy)
    {
        foreach (var role in _clusterRoles.Values)
        {
            if (policy.Role(role.Name) is not { } baseline)
            {
                continue;
            }

            if (!IsClusterSnapshot && role.Object is not null &&
                !(role.Object.Annotations.TryGetValue(BootstrapPolicy.AutoUpdateAnnotation, out var a) && a == "false"))
            {
                var rules = role.Rules.ToList();
                foreach (var b in baseline.Rules)
                {
                    if (RbacMatcher.Uncovered(rules, b).Count > 0)
                    {
                        rules.Add(b.WithIndex(-1));
                    }
                }

                role.Rules = rules;
            }

            role.ResidualRules = role.Rules.SelectMany(r => RbacMatcher.Uncovered(baseline.Rules, r)).ToList();
        }
    }

    private void LoadBindings(ScanContext context, BootstrapPolicy policy)
    {
        var rolesComplete = IsClusterSnapshot && !MissingResources.Contains("roles");
        var clusterRolesComplete = IsClusterSnapshot && !MissingResources.Contains("clusterroles");
        foreach (var kind in (string[])["ClusterRoleBinding", "RoleBinding"])
        {
            foreach (var obj in context.OfKind(kind))
            {
                if (obj.Group != RbacGroup)
                {
                    continue;
                }

                var isCluster = kind == "ClusterRoleBinding";
                var ns = isCluster ? null : obj.Namespace ?? "default";
                var roleRef = obj.Json.Get("roleRef");
                var roleKind = roleRef.Str("kind") ?? "";
                var roleName = roleRef.Str("name") ?? "";
                var subjects = new List<RbacSubject>();
                var i = 0;
                foreach (var s in obj.Json.Get("subjects").Items())
                {
                    var sns = s.Str("namespace");
                    subjects.Add(new RbacSubject(s.Str("kind") ?? "", s.Str("name") ?? "",
                        string.IsNullOrEmpty(sns) ? ns : sns, i++));
                }

                var binding = new RbacBinding(obj, isCluster, roleKind, roleName, subjects);
                switch (roleKind)
                {
                    case "ClusterRole":
                        binding.Role = _clusterRoles.GetValueOrDefault(roleName);
                        binding.Resolution = binding.Role is not null ? RoleResolution.Resolved
                            : clusterRolesComplete ? RoleResolution.Missing : RoleResolution.NotInInput;
                        break;
                    case "Role" when !isCluster:
                        binding.Role = _roles.GetValueOrDefault((ns!, roleName));
                        binding.Resolution = binding.Role is not null ? RoleResolution.Resolved
                            : rolesComplete ? RoleResolution.Missing : RoleResolution.NotInInput;
                        break;
                    default:
                        binding.Resolution = RoleResolution.Invalid;
                        break;
                }

                ClassifyBootstrap(binding, policy);
                _bindings.Add(binding);
                foreach (var subject in subjects)
                {
                    if (!_bySubject.TryGetValue(subject.Key, out var list))
                    {
                        _bySubject[subject.Key] = list = [];
                    }

                    list.Add((binding, subject));
                }
            }
        }
    }

    private static void ClassifyBootstrap(RbacBinding binding, BootstrapPolicy policy)
    {
        var obj = binding.Object;
        if (!(obj.Annotations.TryGetValue(BootstrapPolicy.AutoUpdateAnnotation, out var a) && a == "true"))
        {
            return;
        }

        if (binding.IsClusterBinding && policy.Bindings.GetValueOrDefault(binding.Name) is { } baseline &&
            binding.RoleKind == "ClusterRole" && binding.RoleName == baseline.RoleRef)
        {
            binding.Bootstrap = BootstrapStatus.Baseline;
            foreach (var s in binding.Subjects)
            {
                if (baseline.Includes(s))
                {
                    binding.MarkBootstrapSubject(s.Index);
                }
            }

            return;
        }

        // Not in the shipped baseline (controller and add-on policy): trust it for platform identities only, and
        // only when the role it binds is itself a system role (unknown content must not be waved through).
        if (policy.Bindings.ContainsKey(binding.Name) || !binding.Name.StartsWith("system:", StringComparison.Ordinal) ||
            !binding.RoleName.StartsWith("system:", StringComparison.Ordinal) ||
            binding.Role is { Bootstrap: BootstrapStatus.None })
        {
            return;
        }

        binding.Bootstrap = BootstrapStatus.Unverified;
        foreach (var s in binding.Subjects)
        {
            if (s.IsSystemIdentity)
            {
                binding.MarkBootstrapSubject(s.Index);
            }
        }
    }

    private void MarkBound()
    {
        var stack = new Stack<RbacRole>();
        foreach (var b in _bindings)
        {
            if (b.Subjects.Count > 0 && b.Role is { IsBound: false } role)
            {
                role.IsBound = true;
                stack.Push(role);
            }
        }

        while (stack.Count > 0)
        {
            foreach (var source in stack.Pop().AggregatedFrom)
            {
                if (!source.IsBound)
                {
                    source.IsBound = true;
                    stack.Push(source);
                }
            }
        }
    }
}
