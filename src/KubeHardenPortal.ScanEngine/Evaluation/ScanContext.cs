using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>A namespace known to the scan: declared by a Namespace object and/or used by objects.</summary>
public sealed record NamespaceInfo(string Name, KubeObject? Object)
{
    public ResourceRef Ref => Object?.Ref ?? new ResourceRef("v1", "Namespace", null, Name);
}

/// <summary>
/// Read-only view of one snapshot with the indexes checks share (by kind, workloads, namespaces, RBAC,
/// NetworkPolicy, control plane). Built lazily and thread-safely: checks run in parallel.
/// </summary>
public sealed class ScanContext
{
    private readonly Lazy<Dictionary<string, List<KubeObject>>> _byKind;
    private readonly Lazy<Dictionary<(string, string?), List<KubeObject>>> _byKindNamespace;
    private readonly Lazy<Dictionary<string, KubeObject>> _namespaceObjects;
    private readonly Lazy<List<Workload>> _workloads;
    private readonly Lazy<List<NamespaceInfo>> _namespaces;
    private readonly Lazy<ControlPlaneView> _controlPlane;
    private readonly Lazy<RbacEngine> _rbac;
    private readonly Lazy<NetworkPolicyEngine> _network;

    public ScanContext(ClusterSnapshot snapshot, ScanOptions options)
    {
        Snapshot = snapshot;
        Options = options;
        ServerVersion = KubeVersion.Parse(snapshot.Cluster.ServerGitVersion);
        _byKind = new(IndexByKind);
        _byKindNamespace = new(() =>
        {
            var d = new Dictionary<(string, string?), List<KubeObject>>();
            foreach (var o in Snapshot.Objects)
            {
                if (!d.TryGetValue((o.Kind, o.Namespace), out var list))
                {
                    d[(o.Kind, o.Namespace)] = list = [];
                }

                list.Add(o);
            }

            return d;
        });
        _namespaceObjects = new(() =>
        {
            var d = new Dictionary<string, KubeObject>(StringComparer.Ordinal);
            foreach (var o in OfKind("Namespace", null))
            {
                d.TryAdd(o.Name, o);
            }

            return d;
        });
        _workloads = new(() => WorkloadExtractor.Extract(Snapshot.Objects));
        _namespaces = new(BuildNamespaces);
        _controlPlane = new(() => new ControlPlaneView(this));
        _rbac = new(() => new RbacEngine(this));
        _network = new(() => new NetworkPolicyEngine(this));
    }

    public ClusterSnapshot Snapshot { get; }
    public ScanOptions Options { get; }
    public KubeVersion? ServerVersion { get; }
    public bool IsManifestScan => Snapshot.Mode == SnapshotMode.Manifests;

    /// <summary>The resource used for cluster-wide units (no Kubernetes object to point at).</summary>
    public ResourceRef ClusterRef => new("kubeharden.io/v1", "Cluster", null, Snapshot.Cluster.Name);

    public IReadOnlyList<Workload> Workloads => _workloads.Value;

    public IReadOnlyList<NamespaceInfo> Namespaces => _namespaces.Value;

    public ControlPlaneView ControlPlane => _controlPlane.Value;

    public RbacEngine Rbac => _rbac.Value;

    public NetworkPolicyEngine NetworkPolicies => _network.Value;

    public IReadOnlyList<KubeObject> OfKind(string kind) =>
        _byKind.Value.TryGetValue(kind, out var list) ? list : [];

    /// <summary>Objects of a kind in one namespace (indexed once; checks call this per workload).</summary>
    public IReadOnlyList<KubeObject> OfKind(string kind, string? ns) =>
        _byKindNamespace.Value.TryGetValue((kind, ns), out var list) ? list : [];

    /// <summary>The first object with this kind, namespace and name (a duplicate later in the input is ignored).</summary>
    /// <remarks>
    /// Checks look up a handful of well-known objects (aws-auth, add-on ConfigMaps) and namespaces: a search of the
    /// kind's objects in that namespace, and a name index for namespaces, instead of an index of every object.
    /// </remarks>
    public KubeObject? Find(string kind, string? ns, string name)
    {
        if (kind == "Namespace" && ns is null)
        {
            return _namespaceObjects.Value.GetValueOrDefault(name);
        }

        foreach (var o in OfKind(kind, ns))
        {
            if (o.Name == name)
            {
                return o;
            }
        }

        return null;
    }

    public bool IsExcluded(string? ns) => Options.IsExcluded(ns);

    private Dictionary<string, List<KubeObject>> IndexByKind()
    {
        var d = new Dictionary<string, List<KubeObject>>(StringComparer.Ordinal);
        foreach (var o in Snapshot.Objects)
        {
            if (!d.TryGetValue(o.Kind, out var list))
            {
                d[o.Kind] = list = [];
            }

            list.Add(o);
        }

        return d;
    }

    private List<NamespaceInfo> BuildNamespaces()
    {
        var map = new SortedDictionary<string, KubeObject?>(StringComparer.Ordinal);
        foreach (var ns in OfKind("Namespace"))
        {
            map[ns.Name] = ns;
        }

        foreach (var o in Snapshot.Objects)
        {
            if (o.Namespace is { } n && !map.ContainsKey(n))
            {
                map[n] = null;
            }
        }

        return map.Select(kv => new NamespaceInfo(kv.Key, kv.Value)).ToList();
    }
}
