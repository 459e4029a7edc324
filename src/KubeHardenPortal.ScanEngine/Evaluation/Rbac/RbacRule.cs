using System.Text;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>
/// One PolicyRule of a Role/ClusterRole, as the authorizer sees it. Immutable; aggregated roles hold copies whose
/// <see cref="Source"/> names the ClusterRole the rule came from.
/// </summary>
public sealed class RbacRule
{
    internal RbacRule(
        IReadOnlyList<string> verbs,
        IReadOnlyList<string> apiGroups,
        IReadOnlyList<string> resources,
        IReadOnlyList<string> resourceNames,
        IReadOnlyList<string> nonResourceUrls,
        int index,
        RbacRole? source = null,
        bool isResidual = false,
        int sourceIndex = -1)
    {
        Verbs = verbs;
        ApiGroups = apiGroups;
        Resources = resources;
        ResourceNames = resourceNames;
        NonResourceUrls = nonResourceUrls;
        Index = index;
        Source = source;
        IsResidual = isResidual;
        SourceIndex = sourceIndex;
    }

    public IReadOnlyList<string> Verbs { get; }
    public IReadOnlyList<string> ApiGroups { get; }
    public IReadOnlyList<string> Resources { get; }
    public IReadOnlyList<string> ResourceNames { get; }
    public IReadOnlyList<string> NonResourceUrls { get; }

    /// <summary>Position in the owning role's effective rules (evidence path "rules[i]"); -1 for baseline rules the
    /// API server's reconciler would add back.</summary>
    public int Index { get; }

    /// <summary>For rules of an aggregated ClusterRole: the ClusterRole that owns the rule; null otherwise.</summary>
    public RbacRole? Source { get; }

    /// <summary>Position of the rule in <see cref="Source"/>'s rules; -1 when there is no source.</summary>
    public int SourceIndex { get; }

    /// <summary>True when this is the part of a rule that goes beyond the upstream bootstrap baseline.</summary>
    public bool IsResidual { get; }

    public bool HasResourceNames => ResourceNames.Count > 0;

    /// <summary>JSON path of the rule in its role ("rules[3]"), or null for reconciler-added baseline rules.</summary>
    public string? Path => Index < 0 ? null : _path ??= JsonPaths.Indexed("rules", Index);

    // Rules are immutable and shared by every grant of their role: render each once, not once per finding.
    private string? _path;
    private string? _locator;
    private string? _text;

    internal RbacRule WithSource(RbacRole? source, int index, int sourceIndex) =>
        new(Verbs, ApiGroups, Resources, ResourceNames, NonResourceUrls, index, source, IsResidual, sourceIndex);

    internal RbacRule WithIndex(int index) =>
        new(Verbs, ApiGroups, Resources, ResourceNames, NonResourceUrls, index, Source, IsResidual, SourceIndex);

    /// <summary>Where the rule lives, e.g. <c>rules[2]</c> or <c>rules[2] (from ClusterRole "x" rules[0])</c>.</summary>
    public string Locator => _locator ??= FormatLocator();

    private string FormatLocator()
    {
        {
            var own = Path ?? "baseline rule restored by the API server";
            return Source is null ? own : $"{own} from {Source.Display} rules[{SourceIndex}]";
        }
    }

    internal static RbacRule Parse(CompactJson rule, int index) => new(
        List(rule, "verbs"), List(rule, "apiGroups"), List(rule, "resources"), List(rule, "resourceNames"),
        List(rule, "nonResourceURLs"), index);

    private static string[] List(CompactJson e, string name)
    {
        // Sized from the array: Strings().ToArray() allocated an iterator and growth buffers per list.
        var v = e.Get(name);
        var count = v.Count();
        if (count == 0)
        {
            return [];
        }

        var items = new string[count];
        var n = 0;
        foreach (var item in v.Items())
        {
            if (item.Str() is { } s)
            {
                items[n++] = s;
            }
        }

        return n == count ? items : items[..n];
    }

    /// <summary>Order-sensitive structural equality, as the aggregation controller de-duplicates rules.</summary>
    internal bool SameContent(RbacRule other) =>
        Verbs.SequenceEqual(other.Verbs, StringComparer.Ordinal) &&
        ApiGroups.SequenceEqual(other.ApiGroups, StringComparer.Ordinal) &&
        Resources.SequenceEqual(other.Resources, StringComparer.Ordinal) &&
        ResourceNames.SequenceEqual(other.ResourceNames, StringComparer.Ordinal) &&
        NonResourceUrls.SequenceEqual(other.NonResourceUrls, StringComparer.Ordinal);

    /// <summary>Compact, stable rendering for messages and evidence, e.g. <c>verbs=[create,get] apiGroups=[""] resources=[pods/exec]</c>.</summary>
    public override string ToString() => _text ??= Format();

    [ThreadStatic]
    private static StringBuilder? FormatBuilder;

    private string Format()
    {
        // One builder per thread and lists appended in place: each rule is rendered once, but there are many rules.
        var sb = (FormatBuilder ??= new StringBuilder(256)).Clear();
        Append(sb.Append("verbs="), Verbs);
        if (NonResourceUrls.Count > 0 && Resources.Count == 0)
        {
            Append(sb.Append(" nonResourceURLs="), NonResourceUrls);
            return sb.ToString();
        }

        Append(sb.Append(" apiGroups="), ApiGroups, quoteEmpty: true);
        Append(sb.Append(" resources="), Resources);
        if (ResourceNames.Count > 0)
        {
            Append(sb.Append(" resourceNames="), ResourceNames);
        }

        if (NonResourceUrls.Count > 0)
        {
            Append(sb.Append(" nonResourceURLs="), NonResourceUrls);
        }

        return sb.ToString();
    }

    /// <summary>"[a,b]"; with <paramref name="quoteEmpty"/> an empty item is written as "" (the core API group).</summary>
    private static void Append(StringBuilder sb, IReadOnlyList<string> items, bool quoteEmpty = false)
    {
        sb.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(quoteEmpty && items[i].Length == 0 ? "\"\"" : items[i]);
        }

        sb.Append(']');
    }
}
