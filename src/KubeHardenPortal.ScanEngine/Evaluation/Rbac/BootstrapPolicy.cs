using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>
/// The shipped baseline of upstream bootstrap RBAC objects (Data/rbac-bootstrap.json): the roles and bindings the
/// Auth checks allowlist by content, not by name (CATALOG.md §1.9 rule 5).
/// </summary>
internal sealed class BootstrapPolicy
{
    public const string AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    private const string ResourceName = "KubeHardenPortal.ScanEngine.Data.rbac-bootstrap.json";

    private static readonly Lazy<BootstrapPolicy> LazyInstance = new(Load);

    private BootstrapPolicy(List<BaselineRole> roles, List<BaselineBinding> bindings)
    {
        Roles = roles.ToDictionary(r => r.Name, StringComparer.Ordinal);
        Bindings = bindings.ToDictionary(b => b.Name, StringComparer.Ordinal);
        foreach (var role in roles)
        {
            role.Rules = Resolve(role, []);
        }
    }

    public static BootstrapPolicy Instance => LazyInstance.Value;

    public IReadOnlyDictionary<string, BaselineRole> Roles { get; }

    public IReadOnlyDictionary<string, BaselineBinding> Bindings { get; }

    /// <summary>A ClusterRole of the baseline, by name.</summary>
    public BaselineRole? Role(string name) => Roles.GetValueOrDefault(name);

    internal sealed class BaselineRole(string name, IReadOnlyDictionary<string, string> labels, CompactJson aggregationRule, IReadOnlyList<RbacRule> own)
    {
        public string Name { get; } = name;
        public IReadOnlyDictionary<string, string> Labels { get; } = labels;

        /// <summary>The aggregationRule as a detached JSON element (Undefined when the role is not aggregated).</summary>
        public CompactJson AggregationRule { get; } = aggregationRule;

        public IReadOnlyList<RbacRule> OwnRules { get; } = own;

        /// <summary>Baseline rules including what aggregation adds (admin = aggregate-to-admin + edit + view...).</summary>
        public IReadOnlyList<RbacRule> Rules { get; set; } = own;
    }

    internal sealed record BaselineSubject(string Kind, string Name);

    internal sealed record BaselineBinding(string Name, string RoleRef, IReadOnlyList<BaselineSubject> Subjects)
    {
        public bool Includes(RbacSubject s) => Subjects.Any(b => b.Kind == s.Kind && b.Name == s.Name);
    }

    private List<RbacRule> Resolve(BaselineRole role, HashSet<string> visiting)
    {
        if (role.AggregationRule.ValueKind != JsonValueKind.Object || !visiting.Add(role.Name))
        {
            return [.. role.OwnRules];
        }

        var rules = new List<RbacRule>(role.OwnRules);
        foreach (var source in Roles.Values)
        {
            if (source.Name == role.Name || !Selects(role.AggregationRule, source.Labels))
            {
                continue;
            }

            foreach (var rule in Resolve(source, visiting))
            {
                if (!rules.Any(r => r.SameContent(rule)))
                {
                    rules.Add(rule);
                }
            }
        }

        visiting.Remove(role.Name);
        return rules;
    }

    internal static bool Selects(CompactJson aggregationRule, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var selector in aggregationRule.Get("clusterRoleSelectors").Items())
        {
            if (LabelSelector.Selects(selector, labels))
            {
                return true;
            }
        }

        return false;
    }

    private static BootstrapPolicy Load()
    {
        using var stream = typeof(BootstrapPolicy).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var doc = JsonDocument.Parse(stream);
        var root = CompactJson.From(doc.RootElement);
        var roles = new List<BaselineRole>();
        foreach (var r in root.Get("clusterRoles").Items())
        {
            var rules = new List<RbacRule>();
            var i = 0;
            foreach (var rule in r.Get("rules").Items())
            {
                rules.Add(RbacRule.Parse(rule, i++));
            }

            // Clone: the document is disposed once loaded.
            var agg = r.Get("aggregationRule").ValueKind == JsonValueKind.Object ? r.Get("aggregationRule").Clone() : default;
            roles.Add(new BaselineRole(r.Str("name")!, KubeObject.ReadMap(r.Get("labels")), agg, rules));
        }

        var bindings = new List<BaselineBinding>();
        foreach (var b in root.Get("clusterRoleBindings").Items())
        {
            var subjects = b.Get("subjects").Items().Select(s => new BaselineSubject(s.Str("kind")!, s.Str("name")!)).ToList();
            bindings.Add(new BaselineBinding(b.Str("name")!, b.Str("roleRef")!, subjects));
        }

        return new BootstrapPolicy(roles, bindings);
    }
}
