namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>
/// A permission to look for, e.g. "create pods/exec". <see cref="Verbs"/> null means "any verb". The namespace
/// scope decides what RoleBindings can confer: <see cref="ClusterScoped"/> requests (nodes, clusterroles, webhook
/// configurations, impersonation of users/groups, non-resource URLs) are never granted through a RoleBinding.
/// </summary>
public sealed record PermissionProbe(
    string Id,
    IReadOnlyList<string>? Verbs,
    string ApiGroup,
    string Resource,
    string? Subresource = null,
    bool ClusterScoped = false,
    bool AnySubresource = false)
{
    public string Describe()
    {
        var verbs = Verbs is null ? "any verb" : string.Join('/', Verbs);
        var res = AnySubresource ? Resource + "/<any>" : Subresource is null ? Resource : Resource + "/" + Subresource;
        return $"{verbs} on {res}";
    }
}

/// <summary>How a rule (or a set of rules) grants a probe.</summary>
public enum MatchStrength
{
    None,

    /// <summary>Only for objects listed in resourceNames (reduced risk, CATALOG.md §1.9 rule 3).</summary>
    NamedOnly,

    /// <summary>For any object in scope.</summary>
    Full,
}

/// <summary>One rule that grants (part of) a probe, and which of the probe's verbs it grants.</summary>
public sealed record RuleMatch(RbacRule Rule, IReadOnlyList<string> Verbs, MatchStrength Strength);

/// <summary>The rules of a grant that allow a probe.</summary>
public sealed record PermissionMatch(IReadOnlyList<RuleMatch> Rules, IReadOnlyList<string>? VerbOrder = null)
{
    public static readonly PermissionMatch Empty = new([]);

    public bool Any => Rules.Count > 0;

    // Derived once at construction (matches are memoised per role and probe, and read for every subject); being
    // functions of the positional members they leave record equality unchanged.
    public MatchStrength Strength { get; } = Rules.Count == 0 ? MatchStrength.None
        : AnyFull(Rules) ? MatchStrength.Full : MatchStrength.NamedOnly;

    public bool NamedOnly => Strength == MatchStrength.NamedOnly;

    /// <summary>Granted verbs, in probe order (a "*" rule grants every probe verb).</summary>
    public IReadOnlyList<string> Verbs { get; } = GrantedVerbs(Rules, VerbOrder);

    /// <summary>Names the rules are limited to (empty unless every matching rule is named-only).</summary>
    public IReadOnlyList<string> ResourceNames { get; } =
        Rules.Count > 0 && !AnyFull(Rules) ? Union(Rules, static r => r.Rule.ResourceNames) : [];

    // Loops rather than LINQ: a match is built for every (rule list, probe) pair that grants something.
    private static bool AnyFull(IReadOnlyList<RuleMatch> rules)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Strength == MatchStrength.Full)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The distinct values of every rule's list, in first-seen order (ordinal).</summary>
    private static List<string> Union(IReadOnlyList<RuleMatch> rules, Func<RuleMatch, IReadOnlyList<string>> values)
    {
        var union = new List<string>();
        for (var i = 0; i < rules.Count; i++)
        {
            var list = values(rules[i]);
            for (var j = 0; j < list.Count; j++)
            {
                if (!union.Contains(list[j]))
                {
                    union.Add(list[j]);
                }
            }
        }

        return union;
    }

    private static IReadOnlyList<string> GrantedVerbs(IReadOnlyList<RuleMatch> rules, IReadOnlyList<string>? order)
    {
        if (rules.Count == 0)
        {
            return [];
        }

        if (order is null)
        {
            return Union(rules, static r => r.Verbs);
        }

        // The probe's verbs that some rule grants, in probe order.
        var granted = new List<string>(order.Count);
        for (var i = 0; i < order.Count; i++)
        {
            for (var j = 0; j < rules.Count; j++)
            {
                if (RbacMatcher.Has(rules[j].Verbs, order[i]))
                {
                    granted.Add(order[i]);
                    break;
                }
            }
        }

        return granted;
    }
}

/// <summary>
/// Rule matching exactly as the upstream RBAC authorizer does it (k8s.io/kubernetes rbac evaluation helpers), plus
/// the "covers" comparison the API server uses for escalation checks (used here to compare with the bootstrap
/// baseline). All comparisons are case-sensitive, as upstream.
/// </summary>
public static class RbacMatcher
{
    public const string All = "*";

    /// <summary>Verbs every API resource serves; a rule listing them all on */* is admin-equivalent.</summary>
    public static readonly IReadOnlyList<string> StandardVerbs = ["get", "list", "watch", "create", "update", "patch", "delete"];

    public static bool VerbMatches(RbacRule rule, string verb) =>
        Has(rule.Verbs, All) || Has(rule.Verbs, verb);

    public static bool ApiGroupMatches(RbacRule rule, string group) =>
        Has(rule.ApiGroups, All) || Has(rule.ApiGroups, group);

    /// <summary>
    /// "*" matches everything, the exact "resource/subresource" string matches, and "*/sub" matches subresource
    /// "sub" of any resource. "pods/*" is NOT a wildcard: it only matches a subresource literally named "*".
    /// </summary>
    public static bool ResourceMatches(RbacRule rule, string resource, string? subresource)
    {
        var resources = rule.Resources;
        for (var i = 0; i < resources.Count; i++)
        {
            var r = resources[i];
            if (r == All)
            {
                return true;
            }

            if (string.IsNullOrEmpty(subresource))
            {
                if (r == resource)
                {
                    return true;
                }

                continue;
            }

            // r == resource + "/" + subresource, or r == "*/" + subresource, compared in place (no concatenation).
            if (r.Length == resource.Length + 1 + subresource.Length && r[resource.Length] == '/' &&
                r.StartsWith(resource, StringComparison.Ordinal) && r.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }

            if (r.Length == subresource.Length + 2 &&
                r.StartsWith("*/", StringComparison.Ordinal) && r.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the rule grants some subresource of <paramref name="resource"/> (e.g. any userextras/&lt;key&gt;).</summary>
    public static bool AnySubresourceMatches(RbacRule rule, string resource)
    {
        var resources = rule.Resources;
        for (var i = 0; i < resources.Count; i++)
        {
            var r = resources[i];
            if (r == All || (r.Length > resource.Length && r[resource.Length] == '/' && r.StartsWith(resource, StringComparison.Ordinal)) ||
                r.StartsWith("*/", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static bool ResourceNameMatches(RbacRule rule, string? name) =>
        rule.ResourceNames.Count == 0 || (name is not null && Has(rule.ResourceNames, name));

    /// <summary>Exact match, "*", or a trailing-"*" prefix.</summary>
    public static bool NonResourceUrlMatches(RbacRule rule, string path)
    {
        foreach (var u in rule.NonResourceUrls)
        {
            if (u == All || u == path ||
                (u.EndsWith('*') && path.StartsWith(u.TrimEnd('*'), StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The authorizer's decision for one concrete resource request against one rule.</summary>
    public static bool Allows(RbacRule rule, string verb, string group, string resource, string? subresource, string? name) =>
        VerbMatches(rule, verb) && ApiGroupMatches(rule, group) && ResourceMatches(rule, resource, subresource) &&
        ResourceNameMatches(rule, name);

    /// <summary>The authorizer's decision for a non-resource request (e.g. GET /metrics).</summary>
    public static bool AllowsNonResource(RbacRule rule, string verb, string path) =>
        VerbMatches(rule, verb) && NonResourceUrlMatches(rule, path);

    /// <summary>
    /// A request with no object name: a plain create of a new object, or deletecollection. Such requests never
    /// match a rule limited by resourceNames. Subresource requests (create pods/exec) carry the parent's name.
    /// </summary>
    public static bool IsNameless(string verb, string? subresource) =>
        verb == "deletecollection" || (verb == "create" && string.IsNullOrEmpty(subresource));

    /// <summary>How one rule grants a probe, and which verbs.</summary>
    public static RuleMatch? Match(RbacRule rule, PermissionProbe probe)
    {
        if (!TargetMatches(rule, probe))
        {
            return null;
        }

        var candidates = probe.Verbs ?? rule.Verbs;
        List<string>? verbs = null;
        var strength = MatchStrength.None;
        for (var i = 0; i < candidates.Count; i++)
        {
            var verb = candidates[i];
            var s = VerbStrength(rule, probe, verb);
            if (s == MatchStrength.None)
            {
                continue;
            }

            (verbs ??= new List<string>(candidates.Count - i)).Add(verb); // at most the remaining candidates
            if (s > strength)
            {
                strength = s;
            }
        }

        return verbs is null ? null : new RuleMatch(rule, verbs, strength);
    }

    public static PermissionMatch Match(IEnumerable<RbacRule> rules, PermissionProbe probe)
    {
        List<RuleMatch>? found = null;
        foreach (var rule in rules)
        {
            if (Match(rule, probe) is { } m)
            {
                (found ??= []).Add(m);
            }
        }

        return found is null ? PermissionMatch.Empty : new PermissionMatch(found, probe.Verbs);
    }

    /// <summary>
    /// True when <see cref="Match(IEnumerable{RbacRule}, PermissionProbe)"/> would find something, decided without
    /// allocating: most probes match nothing in most roles.
    /// </summary>
    public static bool Grants(IReadOnlyList<RbacRule> rules, PermissionProbe probe)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!TargetMatches(rule, probe))
            {
                continue;
            }

            var candidates = probe.Verbs ?? rule.Verbs;
            for (var j = 0; j < candidates.Count; j++)
            {
                if (VerbStrength(rule, probe, candidates[j]) != MatchStrength.None)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The rule covers the probe's API group and resource (verbs and names aside).</summary>
    private static bool TargetMatches(RbacRule rule, PermissionProbe probe) =>
        rule.Resources.Count > 0 && ApiGroupMatches(rule, probe.ApiGroup) &&
        (probe.AnySubresource ? AnySubresourceMatches(rule, probe.Resource) : ResourceMatches(rule, probe.Resource, probe.Subresource));

    /// <summary>How the rule grants <paramref name="verb"/> on the probe's target (None when it does not).</summary>
    private static MatchStrength VerbStrength(RbacRule rule, PermissionProbe probe, string verb) =>
        !VerbMatches(rule, verb) ? MatchStrength.None
        : rule.ResourceNames.Count == 0 ? MatchStrength.Full
        : IsNameless(verb, probe.AnySubresource ? "x" : probe.Subresource) ? MatchStrength.None // a request without a name never matches a resourceNames rule
        : MatchStrength.NamedOnly;

    /// <summary>
    /// A rule that grants everything on everything: apiGroups "*" (or only the core group "", "core-admin"),
    /// resources "*", verbs "*" or every standard verb, and no resourceNames.
    /// </summary>
    public static bool IsAdminEquivalent(RbacRule rule) =>
        rule.ResourceNames.Count == 0 &&
        Has(rule.Resources, All) &&
        (Has(rule.ApiGroups, All) || Has(rule.ApiGroups, "")) &&
        (Has(rule.Verbs, All) || HasAll(rule.Verbs, StandardVerbs));

    // A loop rather than StandardVerbs.All(lambda): the closure was allocated on every call, and this runs per rule per check.
    private static bool HasAll(IReadOnlyList<string> values, IReadOnlyList<string> required)
    {
        for (var i = 0; i < required.Count; i++)
        {
            if (!Has(values, required[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when a rule contains "*" in verbs, apiGroups, resources (including "*/sub") or nonResourceURLs.</summary>
    public static bool HasWildcard(RbacRule rule)
    {
        if (Has(rule.Verbs, All) || Has(rule.ApiGroups, All))
        {
            return true;
        }

        // Loops: LINQ Any over the lists allocated an enumerator per list, for every rule of every role.
        for (var i = 0; i < rule.Resources.Count; i++)
        {
            if (rule.Resources[i] == All || rule.Resources[i].StartsWith("*/", StringComparison.Ordinal))
            {
                return true;
            }
        }

        for (var i = 0; i < rule.NonResourceUrls.Count; i++)
        {
            if (rule.NonResourceUrls[i].Contains('*', StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The parts of <paramref name="rule"/> that no rule of <paramref name="owner"/> covers (upstream's escalation
    /// "covers" semantics), regrouped into rules; empty when the owner covers it entirely.
    /// </summary>
    public static IReadOnlyList<RbacRule> Uncovered(IReadOnlyList<RbacRule> owner, RbacRule rule)
    {
        // Break the rule into atoms (one verb × group × resource × name, or one verb × URL) and keep the uncovered ones.
        var resourceAtoms = new List<(string Verb, string Group, string Resource, string? Name)>();
        var groups = rule.ApiGroups; // a rule without apiGroups matches no resource request
        var names = rule.ResourceNames.Count == 0 ? [null] : rule.ResourceNames.Select(n => (string?)n).ToList();
        foreach (var v in rule.Verbs)
        {
            foreach (var g in groups)
            {
                foreach (var r in rule.Resources)
                {
                    foreach (var n in names)
                    {
                        if (!owner.Any(o => CoversAtom(o, v, g, r, n)))
                        {
                            resourceAtoms.Add((v, g, r, n));
                        }
                    }
                }
            }
        }

        var urlAtoms = new List<(string Verb, string Url)>();
        foreach (var v in rule.Verbs)
        {
            foreach (var u in rule.NonResourceUrls)
            {
                if (!owner.Any(o => (Has(o.Verbs, All) || Has(o.Verbs, v)) && o.NonResourceUrls.Any(ou => UrlCovers(ou, u))))
                {
                    urlAtoms.Add((v, u));
                }
            }
        }

        if (resourceAtoms.Count == 0 && urlAtoms.Count == 0)
        {
            return [];
        }

        var result = new List<RbacRule>();

        // Regroup: same group, names and verb set → one rule listing the resources.
        var byResource = resourceAtoms
            .GroupBy(a => (a.Group, a.Resource, a.Name))
            .Select(g => (g.Key.Group, g.Key.Resource, g.Key.Name, Verbs: g.Select(a => a.Verb).Distinct(StringComparer.Ordinal).ToList()));
        foreach (var grp in byResource.GroupBy(x => (x.Group, x.Name, Verbs: string.Join(',', x.Verbs))))
        {
            var first = grp.First();
            result.Add(new RbacRule(first.Verbs, [first.Group], grp.Select(x => x.Resource).ToList(),
                first.Name is null ? [] : [first.Name], [], rule.Index, rule.Source, isResidual: true, rule.SourceIndex));
        }

        foreach (var grp in urlAtoms.GroupBy(a => a.Url).GroupBy(g => string.Join(',', g.Select(a => a.Verb))))
        {
            result.Add(new RbacRule(grp.First().Select(a => a.Verb).ToList(), [], [], [], grp.Select(g => g.Key).ToList(),
                rule.Index, rule.Source, isResidual: true, rule.SourceIndex));
        }

        return result;
    }

    private static bool CoversAtom(RbacRule owner, string verb, string group, string resource, string? name)
    {
        if (!(Has(owner.Verbs, All) || Has(owner.Verbs, verb)) || !(Has(owner.ApiGroups, All) || Has(owner.ApiGroups, group)))
        {
            return false;
        }

        var resourceOk = Has(owner.Resources, All) || Has(owner.Resources, resource);
        if (!resourceOk)
        {
            var slash = resource.IndexOf('/', StringComparison.Ordinal);
            resourceOk = slash >= 0 && Has(owner.Resources, "*/" + resource[(slash + 1)..]);
        }

        if (!resourceOk)
        {
            return false;
        }

        return name is null ? owner.ResourceNames.Count == 0 : owner.ResourceNames.Count == 0 || Has(owner.ResourceNames, name);
    }

    private static bool UrlCovers(string owner, string sub) =>
        owner == sub || (owner.EndsWith('*') && sub.StartsWith(owner.TrimEnd('*'), StringComparison.Ordinal));

    internal static bool Has(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
