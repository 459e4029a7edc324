using System.Text.Json;

namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>
/// A Kubernetes object as the API (or a manifest) gave it, kept as a JSON element so the engine reads only the
/// fields a check needs (see TOOLCHAIN.md: typed models cost ~8x in time and memory on large snapshots).
/// </summary>
public sealed class KubeObject
{
    private IReadOnlyDictionary<string, string>? _labels;
    private IReadOnlyDictionary<string, string>? _annotations;
    private ResourceRef? _ref;

    public KubeObject(CompactJson json, SourceLocation? source)
    {
        Json = json;
        Source = source;
        ApiVersion = json.Str("apiVersion") ?? "";
        Kind = json.Str("kind") ?? "";
        Metadata = json.Get("metadata");
        Name = Metadata.Str("name") ?? Metadata.Str("generateName") ?? "";
        var ns = Metadata.Str("namespace");
        // audit.k8s.io documents are API server config files; Gatekeeper constraints are cluster-scoped.
        var clusterScoped = ClusterScopedKinds.Contains(Kind) || ApiVersion.StartsWith("audit.k8s.io/", StringComparison.Ordinal) ||
                            IsGatekeeperConstraint(ApiVersion);
        if (string.IsNullOrEmpty(ns))
        {
            // Manifests often omit the namespace; the API server would place a namespaced object in "default".
            NamespaceImplicit = !clusterScoped;
            Namespace = NamespaceImplicit ? "default" : null;
        }
        else
        {
            Namespace = clusterScoped ? null : ns;
        }
        Uid = Metadata.Str("uid");
    }

    public CompactJson Json { get; }
    public CompactJson Metadata { get; }
    public SourceLocation? Source { get; }
    public string ApiVersion { get; }
    public string Kind { get; }
    public string Name { get; }

    /// <summary>The effective namespace: as written, "default" for namespaced objects that omit it, null for cluster-scoped kinds.</summary>
    public string? Namespace { get; }

    /// <summary>True when the manifest did not name a namespace and "default" was assumed.</summary>
    public bool NamespaceImplicit { get; }

    /// <summary>Kinds that have no namespace (built-in and common add-ons).</summary>
    public static readonly IReadOnlySet<string> ClusterScopedKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass", "CSIDriver",
        "CSINode", "PriorityClass", "RuntimeClass", "IngressClass", "CustomResourceDefinition", "APIService",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
        "CertificateSigningRequest", "VolumeAttachment", "GatewayClass", "ClusterPolicy", "ClusterImagePolicy",
        "CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "ClusterIssuer", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus", "ClusterSnapshot",
        "ConstraintTemplate",
    };

    /// <summary>Gatekeeper constraints: every kind in this group is generated from a template and cluster-scoped.</summary>
    private static bool IsGatekeeperConstraint(string apiVersion) =>
        apiVersion.StartsWith("constraints.gatekeeper.sh/", StringComparison.Ordinal);

    public string? Uid { get; }

    /// <summary>API group: "" for core (v1), otherwise the part before the slash.</summary>
    public string Group => GroupOf(ApiVersion);

    // A scan has a few dozen apiVersions but asks for the group of every object in several checks: one string per
    // apiVersion instead of one per call. Bounded, because apiVersions come from the input.
    private static readonly Evaluation.BoundedMemo<string, string> Groups = new(1024, StringComparer.Ordinal);

    private static string GroupOf(string apiVersion) =>
        Groups.Get(apiVersion, static v => v.IndexOf('/') is var slash and >= 0 ? v[..slash] : "");

    /// <summary>Cached: every finding on this object shares one instance.</summary>
    public ResourceRef Ref => _ref ??= new(ApiVersion, Kind, Namespace, Name);

    public IReadOnlyDictionary<string, string> Labels => _labels ??= ReadMap(Metadata.Get("labels"));

    public IReadOnlyDictionary<string, string> Annotations => _annotations ??= ReadMap(Metadata.Get("annotations"));

    public bool Is(string kind) => string.Equals(Kind, kind, StringComparison.Ordinal);

    internal static IReadOnlyDictionary<string, string> ReadMap(CompactJson e) =>
        e.ValueKind != JsonValueKind.Object ? EmptyMap : JsonStringMap.Over(e);

    internal static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();

    public override string ToString() => Ref.ToString();
}

/// <summary>
/// A JSON object of strings (labels, annotations, quantities) read in place: a lookup scans the few members instead
/// of copying them into a dictionary. Values that are not strings read as "", and the last of duplicate names wins,
/// as they did in the dictionary this replaces; maps with duplicate or many names are still copied.
/// </summary>
internal sealed class JsonStringMap : IReadOnlyDictionary<string, string>
{
    // Linear lookups stay cheaper than hashing up to about this many members (label sets are usually under ten).
    private const int MaxScanned = 32;

    private readonly CompactJson _json;

    private JsonStringMap(CompactJson json, int count)
    {
        _json = json;
        Count = count;
    }

    public static IReadOnlyDictionary<string, string> Over(CompactJson json)
    {
        var names = new List<string>();
        foreach (var p in json.EnumerateObject())
        {
            if (names.Count == MaxScanned || names.Contains(p.Name, StringComparer.Ordinal))
            {
                return Copy(json);
            }

            names.Add(p.Name);
        }

        return names.Count == 0 ? KubeObject.EmptyMap : new JsonStringMap(json, names.Count);
    }

    private static Dictionary<string, string> Copy(CompactJson json)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in json.EnumerateObject())
        {
            d[p.Name] = p.Value.Str() ?? "";
        }

        return d;
    }

    public int Count { get; }

    public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"no member \"{key}\"");

    public IEnumerable<string> Keys => this.Select(kv => kv.Key);

    public IEnumerable<string> Values => this.Select(kv => kv.Value);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
    {
        foreach (var p in _json.EnumerateObject())
        {
            if (string.Equals(p.Name, key, StringComparison.Ordinal))
            {
                value = p.Value.Str() ?? "";
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var p in _json.EnumerateObject())
        {
            yield return new(p.Name, p.Value.Str() ?? "");
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
