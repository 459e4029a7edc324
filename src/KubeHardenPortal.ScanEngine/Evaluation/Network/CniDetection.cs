using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

public enum CniEnforcement
{
    /// <summary>A NetworkPolicy-enforcing implementation runs in the cluster.</summary>
    Enforcing,

    /// <summary>Only CNIs known not to enforce NetworkPolicy were found.</summary>
    NotEnforcing,

    /// <summary>Nothing recognisable (or DaemonSets not collected, or a manifest scan).</summary>
    Unknown,
}

/// <summary>A CNI / network-policy component recognised from a DaemonSet.</summary>
public sealed record CniComponent(KubeObject DaemonSet, string Product, bool Enforces, string Evidence);

/// <summary>
/// Identifies the CNI by DaemonSet name and container images (KH-NET-005, CATALOG.md §3). Heuristic by nature:
/// an enforcing component anywhere wins; a verdict of "not enforcing" needs a known non-enforcing CNI and no
/// enforcing one; everything else is Unknown (attestation or active probe).
/// </summary>
public sealed class CniDetection
{
    private sealed record Product(string Name, bool Enforces, string[] DaemonSetNames, string[] ImageMarkers);

    // Data, not logic: extend as CNIs appear. Image markers are matched against the image repository (no tag).
    private static readonly Product[] Products =
    [
        new("Calico", true, ["calico-node"], ["calico/node", "calico-node"]),
        new("Canal (Calico policy + Flannel)", true, ["canal"], []),
        new("Cilium", true, ["cilium"], ["cilium/cilium"]),
        new("GKE Dataplane V2 (anetd)", true, ["anetd"], []),
        new("Antrea", true, ["antrea-agent"], ["antrea/antrea-agent", "antrea/antrea-ubuntu", "antrea-agent-ubuntu"]),
        new("kube-router", true, ["kube-router"], ["kube-router"]),
        new("Weave Net (weave-npc)", true, ["weave-net"], ["weave-npc"]),
        new("Azure Network Policy Manager", true, ["azure-npm", "azure-npm-win"], ["azure-npm"]),
        new("Kube-OVN", true, ["kube-ovn-cni"], ["kubeovn/kube-ovn"]),
        new("OVN-Kubernetes", true, ["ovnkube-node"], ["ovn-kubernetes", "ovnkube"]),
        new("Flannel", false, ["kube-flannel-ds", "kube-flannel", "flannel"], ["flannel/flannel", "coreos/flannel", "flannelcni-flannel", "mirrored-flannel"]),
        new("Azure CNI (no network policy engine)", false, ["azure-cns"], ["azure-cns"]),
    ];

    internal CniDetection(ScanContext context)
    {
        if (context.IsManifestScan)
        {
            Verdict = CniEnforcement.Unknown;
            Reason = "the CNI cannot be identified from manifests";
            return;
        }

        if (!context.Snapshot.IsComplete("daemonsets"))
        {
            Verdict = CniEnforcement.Unknown;
            Reason = "DaemonSets were not collected, so the CNI cannot be identified";
            return;
        }

        var found = new List<CniComponent>();
        foreach (var ds in context.OfKind("DaemonSet"))
        {
            if (Classify(ds) is { } c)
            {
                found.Add(c);
            }
        }

        Components = found;
        var enforcing = found.Where(c => c.Enforces).ToList();
        if (enforcing.Count > 0)
        {
            Verdict = CniEnforcement.Enforcing;
            Reason = "enforcing: " + Describe(enforcing);
        }
        else if (found.Count > 0)
        {
            Verdict = CniEnforcement.NotEnforcing;
            Reason = "only CNI components that do not enforce NetworkPolicy were found: " + Describe(found);
        }
        else
        {
            Verdict = CniEnforcement.Unknown;
            Reason = "no known CNI DaemonSet was recognised; attest NetworkPolicy enforcement or run an active probe";
        }
    }

    public CniEnforcement Verdict { get; }

    public string Reason { get; }

    public IReadOnlyList<CniComponent> Components { get; } = [];

    private static string Describe(IEnumerable<CniComponent> cs) =>
        string.Join("; ", cs.Select(c => $"{c.Product} ({c.DaemonSet.Namespace}/{c.DaemonSet.Name}{(c.Evidence.Length > 0 ? ", " + c.Evidence : "")})"));

    internal static CniComponent? Classify(KubeObject ds)
    {
        var spec = ds.Json.Get("spec").Get("template").Get("spec");
        var images = new List<string>();
        foreach (var field in new[] { "initContainers", "containers" })
        {
            foreach (var c in spec.Items(field))
            {
                if (c.Str("image") is { } img)
                {
                    images.Add(Repository(img));
                }
            }
        }

        if (ds.Name == "aws-node" || images.Any(i => i.EndsWith("amazon-k8s-cni", StringComparison.Ordinal)))
        {
            return ClassifyAwsVpcCni(ds, spec);
        }

        if (ds.Name == "sdn" && ds.Namespace == "openshift-sdn")
        {
            return new CniComponent(ds, "OpenShift SDN", true, "");
        }

        foreach (var p in Products)
        {
            if (p.DaemonSetNames.Contains(ds.Name, StringComparer.Ordinal))
            {
                return new CniComponent(ds, p.Name, p.Enforces, "");
            }
        }

        foreach (var p in Products)
        {
            foreach (var marker in p.ImageMarkers)
            {
                if (images.FirstOrDefault(i => i.Contains(marker, StringComparison.Ordinal)) is { } image)
                {
                    return new CniComponent(ds, p.Name, p.Enforces, "image " + image);
                }
            }
        }

        return null;
    }

    /// <summary>AWS VPC CNI enforces policies only with its network policy agent enabled (--enable-network-policy=true).</summary>
    private static CniComponent ClassifyAwsVpcCni(KubeObject ds, CompactJson spec)
    {
        foreach (var c in spec.Items("containers"))
        {
            var tokens = c.Strings("command").Concat(c.Strings("args")).ToList();
            for (var i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i];
                if (t == "--enable-network-policy=true" ||
                    (t == "--enable-network-policy" && (i + 1 == tokens.Count || tokens[i + 1] is "true" || tokens[i + 1].StartsWith('-'))))
                {
                    return new CniComponent(ds, "AWS VPC CNI with network policy agent", true, $"container {c.Str("name")}: {t}");
                }
            }
        }

        return new CniComponent(ds, "AWS VPC CNI (network policy agent not enabled)", false, "");
    }

    private static string Repository(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0)
        {
            image = image[..at];
        }

        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[..colon] : image;
    }
}
