using System.Text.Json;

namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>How the objects reached the engine. Cluster-level checks are Unknown for manifests, never Pass.</summary>
public enum SnapshotMode
{
    Manifests,
    Cluster,
}

/// <summary>Per-resource-type collection outcome (PRODUCT.md §6).</summary>
public enum CoverageStatus
{
    Collected,
    Forbidden,
    NotFound,
    Error,
    NotCollected,
    /// <summary>Scanned from files: whatever the files hold is all there is.</summary>
    Manifests,
}

public sealed record CoverageEntry(string Resource, CoverageStatus Status, long? Count, string? Message);

/// <summary>Kubelet configuration of one node as returned by /configz (or why it is missing).</summary>
public sealed record NodeKubeletConfig(string NodeName, CoverageStatus Status, CompactJson KubeletConfig, string? Message);

/// <summary>Whether the control plane's static pods could be seen.</summary>
public enum ControlPlaneVisibility
{
    /// <summary>Unknown: look for kube-system static pods; none found means Unknown.</summary>
    Auto,
    /// <summary>A managed service (EKS, GKE, AKS...): flags are not visible, flag checks are Unknown.</summary>
    Managed,
}

/// <summary>Cluster facts from the snapshot header.</summary>
public sealed record ClusterInfo(
    string Name,
    string? ServerGitVersion,
    string? Provider,
    DateTimeOffset? CollectedAt,
    string? CollectorMode,
    string? CollectorVersion,
    ControlPlaneVisibility ControlPlane);

/// <summary>
/// The engine's input: objects plus what is known about how they were collected. Built by the loaders from
/// manifests or from a ClusterSnapshot document, or by the cluster collector.
/// </summary>
public sealed class ClusterSnapshot
{
    private readonly Dictionary<string, CoverageEntry> _coverage;

    public ClusterSnapshot(
        SnapshotMode mode,
        ClusterInfo cluster,
        IReadOnlyList<KubeObject> objects,
        IEnumerable<CoverageEntry> coverage,
        IReadOnlyList<NodeKubeletConfig> nodes,
        int? anonymousApiProbeStatus = null)
    {
        Mode = mode;
        Cluster = cluster;
        Objects = objects;
        Nodes = nodes;
        AnonymousApiProbeStatus = anonymousApiProbeStatus;
        _coverage = new Dictionary<string, CoverageEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in coverage)
        {
            _coverage[c.Resource] = c;
        }
    }

    public SnapshotMode Mode { get; }
    public ClusterInfo Cluster { get; }
    public IReadOnlyList<KubeObject> Objects { get; }
    public IReadOnlyList<NodeKubeletConfig> Nodes { get; }

    /// <summary>HTTP status of an unauthenticated GET /api by the collector (CATALOG.md §1.8 j), when probed.</summary>
    public int? AnonymousApiProbeStatus { get; }

    public IReadOnlyCollection<CoverageEntry> Coverage => _coverage.Values;

    /// <summary>
    /// Coverage of a resource type (plural, optionally "resource.group", e.g. "networkpolicies",
    /// "validatingwebhookconfigurations.admissionregistration.k8s.io").
    /// </summary>
    public CoverageStatus CoverageOf(string resource)
    {
        if (Mode == SnapshotMode.Manifests)
        {
            return CoverageStatus.Manifests;
        }

        if (_coverage.TryGetValue(resource, out var c))
        {
            return c.Status;
        }

        var dot = resource.IndexOf('.');
        if (dot > 0 && _coverage.TryGetValue(resource[..dot], out c))
        {
            return c.Status;
        }

        return CoverageStatus.NotCollected;
    }

    /// <summary>True when the objects of this type in the snapshot are the complete set (so absence means absent).</summary>
    public bool IsComplete(string resource) =>
        CoverageOf(resource) is CoverageStatus.Collected or CoverageStatus.Manifests or CoverageStatus.NotFound;

    public static ClusterSnapshot FromManifests(IReadOnlyList<KubeObject> objects, string name = "manifests") =>
        new(SnapshotMode.Manifests,
            new ClusterInfo(name, null, null, null, "manifests", null, ControlPlaneVisibility.Auto),
            objects, [], []);
}
