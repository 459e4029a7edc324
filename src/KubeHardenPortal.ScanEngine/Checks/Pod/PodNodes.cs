using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>A Linux node and its effective kubelet configuration (Undefined when configz was not collected).</summary>
public sealed record PodNode(string Name, IReadOnlyDictionary<string, string>? Labels, CompactJson KubeletConfig)
{
    public bool HasConfig => KubeletConfig.ValueKind == JsonValueKind.Object;
}

/// <summary>
/// The Linux nodes of a cluster snapshot and which of them a pod may be scheduled on (nodeName, nodeSelector and
/// required node affinity; taints are ignored, which only widens the set). Used where a kubelet setting can
/// mitigate a pod setting (KH-POD-011 seccompDefault, KH-POD-015 allowedUnsafeSysctls). Built once per scan.
/// </summary>
public sealed class PodNodes
{
    private static readonly ConditionalWeakTable<ScanContext, PodNodes> Cache = new();

    private readonly List<PodNode> _nodes = [];

    // Most workloads share a handful of placements (often none): match nodes once per placement, not per workload.
    private readonly ConcurrentDictionary<string, IReadOnlyList<PodNode>> _byPlacement = new(StringComparer.Ordinal);

    // Two checks ask for each workload's key; rendering it (raw JSON of the selectors) is the costly part.
    private readonly ConcurrentDictionary<Workload, string> _keys = new(ReferenceEqualityComparer.Instance);

    private PodNodes(ScanContext context)
    {
        var configs = new Dictionary<string, NodeKubeletConfig>(StringComparer.Ordinal);
        foreach (var n in context.Snapshot.Nodes)
        {
            configs[n.NodeName] = n;
        }

        foreach (var node in context.OfKind("Node"))
        {
            if (node.Labels.TryGetValue("kubernetes.io/os", out var os) && os == "windows")
            {
                configs.Remove(node.Name);
                continue;
            }

            _nodes.Add(new PodNode(node.Name, node.Labels, ConfigOf(configs.GetValueOrDefault(node.Name))));
            configs.Remove(node.Name);
        }

        // Kubelet configs of nodes whose Node object is missing: labels unknown, so they match any selector.
        foreach (var cfg in configs.Values)
        {
            _nodes.Add(new PodNode(cfg.NodeName, null, ConfigOf(cfg)));
        }
    }

    public static PodNodes For(ScanContext context) => Cache.GetValue(context, c => new PodNodes(c));

    public IReadOnlyList<PodNode> All => _nodes;

    /// <summary>
    /// The nodes the pod may run on; empty when the snapshot has no nodes at all (e.g. manifests). The list is shared
    /// between workloads with the same placement: do not modify it.
    /// </summary>
    public IReadOnlyList<PodNode> CandidatesFor(Workload workload)
    {
        var spec = workload.PodSpec;
        var terms = spec.Get("affinity").Get("nodeAffinity").Get("requiredDuringSchedulingIgnoredDuringExecution").Get("nodeSelectorTerms");
        return _byPlacement.GetOrAdd(PlacementKey(workload), _ => Match(spec.Str("nodeName"), spec.Get("nodeSelector"), terms));
    }

    /// <summary>What decides the candidate nodes: nodeName, nodeSelector and required node affinity, as raw JSON.</summary>
    public string PlacementKey(Workload workload) => _keys.GetOrAdd(workload, RenderPlacementKey);

    private static string RenderPlacementKey(Workload workload)
    {
        var spec = workload.PodSpec;
        var terms = spec.Get("affinity").Get("nodeAffinity").Get("requiredDuringSchedulingIgnoredDuringExecution").Get("nodeSelectorTerms");
        var selector = spec.Get("nodeSelector");
        return string.Concat(spec.Str("nodeName"), "\u001f", selector.Exists() ? selector.GetRawText() : "",
            "\u001f", terms.Exists() ? terms.GetRawText() : "");
    }

    private List<PodNode> Match(string? nodeName, CompactJson selector, CompactJson terms)
    {
        var result = new List<PodNode>();
        foreach (var n in _nodes)
        {
            if (!string.IsNullOrEmpty(nodeName))
            {
                if (n.Name == nodeName)
                {
                    result.Add(n);
                }

                continue;
            }

            if (n.Labels is null || (MatchesSelector(n.Labels, selector) && MatchesTerms(n, terms)))
            {
                result.Add(n);
            }
        }

        return result;
    }

    private static CompactJson ConfigOf(NodeKubeletConfig? cfg) =>
        cfg is { Status: CoverageStatus.Collected } && cfg.KubeletConfig.ValueKind == JsonValueKind.Object ? cfg.KubeletConfig : default;

    private static bool MatchesSelector(IReadOnlyDictionary<string, string> labels, CompactJson selector)
    {
        foreach (var p in selector.Props())
        {
            if (!labels.TryGetValue(p.Name, out var v) || v != p.Value.Str())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Terms are ORed, expressions inside a term ANDed; an empty term matches nothing (upstream semantics).</summary>
    private static bool MatchesTerms(PodNode node, CompactJson terms)
    {
        if (terms.ValueKind != JsonValueKind.Array)
        {
            return true;
        }

        foreach (var term in terms.EnumerateArray())
        {
            var any = false;
            var ok = true;
            foreach (var e in term.Items("matchExpressions"))
            {
                any = true;
                ok &= Matches(node.Labels!.TryGetValue(e.Str("key") ?? "", out var v) ? v : null, e);
            }

            foreach (var e in term.Items("matchFields"))
            {
                any = true;
                ok &= e.Str("key") == "metadata.name" && Matches(node.Name, e);
            }

            if (any && ok)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string? value, CompactJson expr)
    {
        switch (expr.Str("operator"))
        {
            case "In":
                return value is not null && expr.Strings("values").Contains(value);
            case "NotIn":
                return value is null || !expr.Strings("values").Contains(value);
            case "Exists":
                return value is not null;
            case "DoesNotExist":
                return value is null;
            case "Gt" or "Lt":
                if (value is null || !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ||
                    !long.TryParse(expr.Strings("values").FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return expr.Str("operator") == "Gt" ? n > bound : n < bound;
            default:
                return false;
        }
    }
}
