using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Logging;

/// <summary>One request the audit policy is asked about (the attributes upstream's policy checker reads).</summary>
internal sealed record AuditRequest(
    string User,
    IReadOnlyList<string> Groups,
    string Verb,
    string? ApiGroup = null,
    string? Resource = null,
    string? Subresource = null,
    string Namespace = "",
    string? Path = null)
{
    public bool IsResourceRequest => Resource is not null;

    public string Describe() => Resource is null
        ? $"{Verb} {Path}"
        : $"{Verb} {(Subresource is null ? Resource : Resource + "/" + Subresource)}";
}

/// <summary>
/// An audit.k8s.io Policy evaluated like the API server does: the first rule whose every given field matches decides
/// the level; no match means None (upstream apiserver/pkg/audit/policy/checker.go).
/// </summary>
internal sealed class AuditPolicy
{
    public const string None = "None";

    private static readonly HashSet<string> Levels = new(StringComparer.Ordinal) { "None", "Metadata", "Request", "RequestResponse" };

    // Omitting every stage a normal request produces records nothing, whatever the level says.
    private static readonly string[] SilencingStages = ["RequestReceived", "ResponseStarted", "ResponseComplete"];

    private readonly List<CompactJson> _rules;
    private readonly HashSet<string> _policyOmit;

    public AuditPolicy(CompactJson policy)
    {
        _rules = [.. policy.Items("rules")];
        _policyOmit = new HashSet<string>(policy.Strings("omitStages"), StringComparer.Ordinal);
    }

    public int RuleCount => _rules.Count;

    /// <summary>Indexes and levels of rules whose level the API server would reject.</summary>
    public IEnumerable<(int Index, string? Level)> InvalidRules()
    {
        for (var i = 0; i < _rules.Count; i++)
        {
            var level = _rules[i].Str("level");
            if (level is null || !Levels.Contains(level))
            {
                yield return (i, level);
            }
        }
    }

    /// <summary>The effective level for a request and the index of the deciding rule (-1: no rule matched).</summary>
    public (string Level, int Rule) Evaluate(AuditRequest request)
    {
        for (var i = 0; i < _rules.Count; i++)
        {
            if (Matches(_rules[i], request))
            {
                return (EffectiveLevel(_rules[i]), i);
            }
        }

        return (None, -1);
    }

    /// <summary>Index of the first rule that restricts nothing (every later rule is unreachable); -1 when there is none.</summary>
    public int CatchAllRule()
    {
        for (var i = 0; i < _rules.Count; i++)
        {
            var r = _rules[i];
            if (r.Get("users").Count() == 0 && r.Get("userGroups").Count() == 0 && r.Get("verbs").Count() == 0 &&
                r.Get("resources").Count() == 0 && r.Get("namespaces").Count() == 0 && r.Get("nonResourceURLs").Count() == 0)
            {
                return i;
            }
        }

        return -1;
    }

    public string EffectiveLevel(int rule) => EffectiveLevel(_rules[rule]);

    private string EffectiveLevel(CompactJson rule)
    {
        var level = rule.Str("level") ?? None;
        if (level == None)
        {
            return None;
        }

        foreach (var stage in SilencingStages)
        {
            if (!_policyOmit.Contains(stage) && !rule.Strings("omitStages").Contains(stage, StringComparer.Ordinal))
            {
                return level;
            }
        }

        return None;
    }

    private static bool Matches(CompactJson rule, AuditRequest r)
    {
        if (rule.Get("users").Count() > 0 && !Has(rule.Get("users"), r.User))
        {
            return false;
        }

        if (rule.Get("userGroups").Count() > 0 && !r.Groups.Any(g => Has(rule.Get("userGroups"), g)))
        {
            return false;
        }

        if (rule.Get("verbs").Count() > 0 && !Has(rule.Get("verbs"), r.Verb))
        {
            return false;
        }

        if (rule.Get("namespaces").Count() > 0 || rule.Get("resources").Count() > 0)
        {
            return MatchesResource(rule, r);
        }

        if (rule.Get("nonResourceURLs").Count() > 0)
        {
            return !r.IsResourceRequest && rule.Strings("nonResourceURLs").Any(spec => PathMatches(r.Path ?? "", spec));
        }

        return true;
    }

    private static bool MatchesResource(CompactJson rule, AuditRequest r)
    {
        if (!r.IsResourceRequest)
        {
            return false;
        }

        // Cluster-scoped requests carry the empty namespace, which a namespaces list may name as "".
        if (rule.Get("namespaces").Count() > 0 && !Has(rule.Get("namespaces"), r.Namespace))
        {
            return false;
        }

        if (rule.Get("resources").Count() == 0)
        {
            return true;
        }

        var combined = r.Subresource is null ? r.Resource! : r.Resource + "/" + r.Subresource;
        foreach (var gr in rule.Items("resources"))
        {
            if ((gr.Str("group") ?? "") != (r.ApiGroup ?? ""))
            {
                continue;
            }

            if (gr.Get("resources").Count() == 0)
            {
                return true;
            }

            // A request built by the check names no object, so a resourceNames list never matches it.
            if (gr.Get("resourceNames").Count() > 0)
            {
                continue;
            }

            foreach (var res in gr.Strings("resources"))
            {
                if (res == combined || res == "*")
                {
                    return true;
                }

                if (r.Subresource is not null && res.StartsWith("*/", StringComparison.Ordinal) && res[2..] == r.Subresource)
                {
                    return true;
                }

                // "pods/*" matches pods and all of its subresources (upstream compares the resource only).
                if (res.EndsWith("/*", StringComparison.Ordinal) && res[..^2] == r.Resource)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool PathMatches(string path, string spec) =>
        spec == "*" || spec == path || (spec.EndsWith('*') && path.StartsWith(spec.TrimEnd('*'), StringComparison.Ordinal));

    private static bool Has(CompactJson list, string value)
    {
        foreach (var s in list.Strings())
        {
            if (s == value)
            {
                return true;
            }
        }

        return false;
    }
}
