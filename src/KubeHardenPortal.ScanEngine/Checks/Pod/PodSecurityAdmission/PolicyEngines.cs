using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>
/// Policy engines that can stand in for Pod Security Admission in a namespace (CATALOG.md KH-POD-016 rule 3):
/// Kyverno ClusterPolicy/Policy rules with validate.podSecurity (baseline or restricted) in Enforce mode, and the
/// Gatekeeper pod-security-policy library constraints (K8sPSP*) with enforcementAction deny that together cover the
/// Baseline essentials. Anything narrower (pod label selectors, user filters) is not counted as coverage.
/// </summary>
public sealed class PolicyEngines
{
    /// <summary>Gatekeeper library constraints that together approximate PSS Baseline; all must cover a namespace.</summary>
    public static readonly IReadOnlyList<string> GatekeeperBaselineKinds =
    [
        "K8sPSPPrivilegedContainer", "K8sPSPHostNamespace", "K8sPSPHostNetworkingPorts", "K8sPSPHostFilesystem", "K8sPSPCapabilities",
    ];

    private readonly List<(KubeObject Policy, CompactJson Rule, string Level)> _kyverno = [];
    private readonly Dictionary<string, List<KubeObject>> _gatekeeper = new(StringComparer.Ordinal);
    private readonly List<string> _gatekeeperExempt = [];

    public PolicyEngines(ScanContext context)
    {
        foreach (var kind in new[] { "ClusterPolicy", "Policy" })
        {
            foreach (var p in context.OfKind(kind))
            {
                if (p.Group != "kyverno.io")
                {
                    continue;
                }

                foreach (var rule in p.Json.Get("spec").Items("rules"))
                {
                    var level = rule.Get("validate").Get("podSecurity").Str("level");
                    if (level is "baseline" or "restricted")
                    {
                        _kyverno.Add((p, rule, level));
                    }
                }
            }
        }

        foreach (var o in context.Snapshot.Objects)
        {
            if (o.Group == "constraints.gatekeeper.sh" && o.Kind.StartsWith("K8sPSP", StringComparison.Ordinal))
            {
                if (!_gatekeeper.TryGetValue(o.Kind, out var list))
                {
                    _gatekeeper[o.Kind] = list = [];
                }

                list.Add(o);
            }
            else if (o.Group == "config.gatekeeper.sh" && o.Kind == "Config")
            {
                foreach (var m in o.Json.Get("spec").Items("match"))
                {
                    var processes = m.Strings("processes").ToList();
                    if (processes.Contains("*") || processes.Contains("webhook"))
                    {
                        _gatekeeperExempt.AddRange(m.Strings("excludedNamespaces"));
                    }
                }
            }
        }

        // Objects of these engines that could not be read make a missing compensation unknowable.
        foreach (var c in context.Snapshot.Coverage)
        {
            if (c.Status is CoverageStatus.Forbidden or CoverageStatus.Error &&
                (c.Resource.EndsWith("kyverno.io", StringComparison.Ordinal) || c.Resource.EndsWith("gatekeeper.sh", StringComparison.Ordinal)))
            {
                Unreadable = $"{c.Resource} could not be collected ({c.Status.ToString().ToLowerInvariant()})";
                break;
            }
        }
    }

    /// <summary>Why a compensating policy might exist unseen; null when the engines' objects were readable.</summary>
    public string? Unreadable { get; }

    /// <summary>A description of the policy that enforces pod security in the namespace, or null.</summary>
    public string? Covering(string ns, IReadOnlyDictionary<string, string> nsLabels)
    {
        foreach (var (policy, rule, level) in _kyverno)
        {
            if (policy.Is("Policy") && policy.Namespace != ns)
            {
                continue;
            }

            if (KyvernoEnforces(policy, rule, ns, nsLabels) && Selects(rule.Get("match"), ns, nsLabels) && !Excludes(rule.Get("exclude"), ns, nsLabels))
            {
                return $"Kyverno {policy.Kind} {(policy.Namespace is null ? "" : policy.Namespace + "/")}{policy.Name} rule \"{rule.Str("name")}\" " +
                       $"enforces PSS {level}";
            }
        }

        if (_gatekeeper.Count == 0 || nsLabels.ContainsKey("admission.gatekeeper.sh/ignore") || _gatekeeperExempt.Exists(g => Glob(g, ns)))
        {
            return null;
        }

        var names = new List<string>();
        foreach (var kind in GatekeeperBaselineKinds)
        {
            var hit = _gatekeeper.TryGetValue(kind, out var constraints)
                ? constraints.Find(c => GatekeeperDenies(c) && GatekeeperMatches(c, ns, nsLabels))
                : null;
            if (hit is null)
            {
                return null;
            }

            names.Add($"{kind}/{hit.Name}");
        }

        return "Gatekeeper constraints " + string.Join(", ", names) + " deny baseline violations";
    }

    /// <summary>For messages: the Baseline-essential Gatekeeper constraints that do not deny in the namespace (empty without Gatekeeper).</summary>
    public List<string> GatekeeperGaps(string ns, IReadOnlyDictionary<string, string> nsLabels)
    {
        var gaps = new List<string>();
        if (_gatekeeper.Count == 0)
        {
            return gaps;
        }

        foreach (var kind in GatekeeperBaselineKinds)
        {
            if (!(_gatekeeper.TryGetValue(kind, out var constraints) && constraints.Exists(c => GatekeeperDenies(c) && GatekeeperMatches(c, ns, nsLabels))))
            {
                gaps.Add(kind);
            }
        }

        return gaps;
    }

    private static bool KyvernoEnforces(KubeObject policy, CompactJson rule, string ns, IReadOnlyDictionary<string, string> labels)
    {
        var spec = policy.Json.Get("spec");
        // Kyverno ≥ 1.13 sets the action per rule; older policies per policy (default Audit).
        var action = rule.Get("validate").Str("failureAction") ?? spec.Str("validationFailureAction") ?? "Audit";
        foreach (var o in spec.Items("validationFailureActionOverrides"))
        {
            var listed = o.Strings("namespaces").Any(n => Glob(n, ns));
            var selected = o.Get("namespaceSelector").ValueKind == JsonValueKind.Object && Evaluation.LabelSelector.Selects(o.Get("namespaceSelector"), labels);
            if (listed || selected)
            {
                action = o.Str("action") ?? action;
                break;
            }
        }

        return string.Equals(action, "Enforce", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Kyverno match: legacy "resources", or "any" (one filter) / "all" (every filter) of resource filters.</summary>
    private static bool Selects(CompactJson match, string ns, IReadOnlyDictionary<string, string> labels)
    {
        if (match.Get("resources").ValueKind == JsonValueKind.Object)
        {
            return FilterCovers(match, ns, labels);
        }

        var any = match.Get("any");
        if (any.ValueKind == JsonValueKind.Array)
        {
            return any.EnumerateArray().Any(f => FilterCovers(f, ns, labels));
        }

        var all = match.Get("all");
        return all.ValueKind == JsonValueKind.Array && all.GetArrayLength() > 0 && all.EnumerateArray().All(f => FilterCovers(f, ns, labels));
    }

    /// <summary>A filter covers the namespace's pods when it matches Pods there with no pod- or user-level narrowing.</summary>
    private static bool FilterCovers(CompactJson filter, string ns, IReadOnlyDictionary<string, string> labels)
    {
        var r = filter.Get("resources");
        if (filter.Get("subjects").Exists() || filter.Get("roles").Exists() || filter.Get("clusterRoles").Exists() ||
            r.Get("selector").Exists() || r.Get("names").Exists() || r.Get("name").Exists())
        {
            return false;
        }

        if (!r.Strings("kinds").Any(k => k is "Pod" or "*" || k.EndsWith("/Pod", StringComparison.Ordinal)))
        {
            return false;
        }

        return NamespaceMatches(r, ns, labels);
    }

    private static bool Excludes(CompactJson exclude, string ns, IReadOnlyDictionary<string, string> labels)
    {
        if (!exclude.Exists())
        {
            return false;
        }

        static bool Whole(CompactJson f, string ns, IReadOnlyDictionary<string, string> labels)
        {
            var r = f.Get("resources");
            var narrowed = f.Get("subjects").Exists() || f.Get("roles").Exists() || f.Get("clusterRoles").Exists() ||
                           r.Get("selector").Exists() || r.Get("names").Exists() || r.Get("name").Exists() ||
                           (r.Get("kinds").Exists() && !r.Strings("kinds").Any(k => k is "Pod" or "*" || k.EndsWith("/Pod", StringComparison.Ordinal)));
            var scoped = r.Get("namespaces").Exists() || r.Get("namespaceSelector").Exists();
            return !narrowed && scoped && NamespaceMatches(r, ns, labels);
        }

        if (exclude.Get("resources").ValueKind == JsonValueKind.Object)
        {
            return Whole(exclude, ns, labels);
        }

        var any = exclude.Get("any");
        if (any.ValueKind == JsonValueKind.Array && any.EnumerateArray().Any(f => Whole(f, ns, labels)))
        {
            return true;
        }

        var all = exclude.Get("all");
        return all.ValueKind == JsonValueKind.Array && all.GetArrayLength() > 0 && all.EnumerateArray().All(f => Whole(f, ns, labels));
    }

    private static bool NamespaceMatches(CompactJson resources, string ns, IReadOnlyDictionary<string, string> labels)
    {
        if (resources.Get("namespaces").ValueKind == JsonValueKind.Array && !resources.Strings("namespaces").Any(n => Glob(n, ns)))
        {
            return false;
        }

        var selector = resources.Get("namespaceSelector");
        return selector.ValueKind != JsonValueKind.Object || Evaluation.LabelSelector.Selects(selector, labels);
    }

    /// <summary>enforcementAction defaults to deny; "scoped" counts when it denies at the validation webhook.</summary>
    private static bool GatekeeperDenies(KubeObject constraint)
    {
        var spec = constraint.Json.Get("spec");
        var action = spec.Str("enforcementAction") ?? "deny";
        if (action == "deny")
        {
            return true;
        }

        if (action != "scoped")
        {
            return false;
        }

        foreach (var s in spec.Items("scopedEnforcementActions"))
        {
            if (s.Str("action") == "deny" &&
                s.Items("enforcementPoints").Any(p => p.Str("name") is "validation.gatekeeper.sh" or "*"))
            {
                return true;
            }
        }

        return false;
    }

    private static bool GatekeeperMatches(KubeObject constraint, string ns, IReadOnlyDictionary<string, string> labels)
    {
        var match = constraint.Json.Get("spec").Get("match");
        if (match.Get("labelSelector").Exists() || match.Get("name").Exists() || match.Str("scope") == "Cluster")
        {
            return false;
        }

        var kinds = match.Get("kinds");
        if (kinds.ValueKind == JsonValueKind.Array && !kinds.EnumerateArray().Any(k =>
                (!k.Get("apiGroups").Exists() || k.Strings("apiGroups").Any(g => g is "" or "*")) &&
                k.Strings("kinds").Any(n => n is "Pod" or "*")))
        {
            return false;
        }

        if (match.Get("namespaces").ValueKind == JsonValueKind.Array && !match.Strings("namespaces").Any(n => Glob(n, ns)))
        {
            return false;
        }

        if (match.Strings("excludedNamespaces").Any(n => Glob(n, ns)))
        {
            return false;
        }

        var selector = match.Get("namespaceSelector");
        return selector.ValueKind != JsonValueKind.Object || Evaluation.LabelSelector.Selects(selector, labels);
    }

    /// <summary>Wildcard match with "*" (any run) and "?" (one character), as Kyverno and Gatekeeper namespace lists use.</summary>
    public static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
