using System.Text.Json;
using System.Text.Json.Serialization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Upgrade;

/// <summary>KH-UPG-002: each node's kubelet within the supported version skew and on a supported minor (CATALOG.md §6).</summary>
public sealed class NodeVersionSkew : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-UPG-002",
        Title = "Node component versions and skew",
        Severity = Severity.Medium,
        Section = GuideSections.Upgrading,
        GuideReference = "Upgrading and application security practices (keep every component — OS, runtime, plug-ins — updated)",
        Target = CheckTarget.Cluster,
        Rationale = "Node pools that are not upgraded with the control plane keep kubelets without security fixes, and a " +
                    "kubelet outside the supported skew (newer than the API server, or too many minors older) runs in an " +
                    "untested combination that upstream does not support.",
        Remediation = "Roll node pools to the control-plane minor; update the container runtime and OS images with them.",
        FixYaml = """
            # Node status after the node-pool upgrade (example)
            status: {nodeInfo: {kubeletVersion: v1.36.6, containerRuntimeVersion: "containerd://2.1.4"}}
            """,
        References = new(["C-0273"], [], null, []),
        Collectors = ['f'],
    };

    private const string KubeletPath = "status.nodeInfo.kubeletVersion";

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var nodes = context.OfKind("Node");
        if (nodes.Count == 0)
        {
            results.Unknown(context.ClusterRef, context.IsManifestScan
                ? "Node objects are not part of manifests"
                : context.Snapshot.IsComplete("nodes") ? "the snapshot holds no Node objects" : "nodes were not collected");
            return;
        }

        var server = context.ServerVersion;
        var table = context.Options.KubernetesReleases ?? KubernetesReleaseTable.Embedded;
        var stale = table.StaleReason(context.Options.Now);
        foreach (var node in nodes)
        {
            if (IsVirtual(node))
            {
                results.NotApplicable(node, "virtual node (no kubelet of its own)");
                continue;
            }

            var unit = results.Begin(node);
            AdviseRuntime(context, node, table, stale, unit);
            AdviseKnownBadImage(context, node, unit);
            var text = node.Json.Get("status").Get("nodeInfo").Str("kubeletVersion");
            if (KubeVersion.Parse(text) is not { } kubelet)
            {
                unit.Unknown(text is null ? "status.nodeInfo.kubeletVersion is not reported" : $"kubeletVersion \"{text}\" is not a version");
                continue;
            }

            if (server is not { } api)
            {
                unit.Unknown("the API server version is unknown, so the skew cannot be computed");
            }
            else if (kubelet.Major != api.Major)
            {
                unit.Fail($"kubelet {text} and API server {api} differ in major version", KubeletPath, text);
            }
            else if (kubelet.Minor > api.Minor)
            {
                unit.Fail($"kubelet {text} is newer than the API server ({api}); kubelets must never be newer",
                    KubeletPath, text, key: "skew");
            }
            else
            {
                // Version-skew policy: kubelets ≥ 1.25 may be three minors older than the API server, older kubelets two.
                var allowed = kubelet.AtLeast(1, 25) ? 3 : 2;
                var lag = api.Minor - kubelet.Minor;
                if (lag > allowed)
                {
                    unit.Fail($"kubelet {text} is {lag} minors older than the API server ({api}); at most {allowed} are supported",
                        KubeletPath, text, key: "skew");
                }
            }

            if (stale is not null)
            {
                unit.Unknown(stale);
                continue;
            }

            var release = table.Find(kubelet);
            var daysPast = release is null ? (int?)null : DataJson.DaysBetween(release.EndOfLife, context.Options.Now);
            if (release is null && table.Range() is { } range && kubelet < range.Oldest)
            {
                unit.Fail($"kubelet {text} is older than every release in the support table: out of support", KubeletPath, text, key: "end-of-support");
            }
            else if (release is null)
            {
                unit.Unknown($"kubelet v{kubelet.Major}.{kubelet.Minor} is not in the release table (refreshed {table.LastRefreshed:yyyy-MM-dd})");
            }
            else if (daysPast > 0)
            {
                unit.Fail($"kubelet v{kubelet.Major}.{kubelet.Minor} reached end of upstream support on {release.EndOfLife:yyyy-MM-dd} ({daysPast} days ago)",
                    KubeletPath, text, key: "end-of-support");
            }
        }
    }

    private const string RuntimePath = "status.nodeInfo.containerRuntimeVersion";

    private static readonly Lazy<RuntimeData> Runtimes = new(() => DataJson.Load("container-runtimes.json", RuntimeDataJson.Default.RuntimeData));

    /// <summary>
    /// Catalog advisory: the node's container runtime is on a branch past its published end of life (containerd from
    /// Data/container-runtimes.json; CRI-O, whose minors follow Kubernetes, from the release table when it is fresh).
    /// </summary>
    private static void AdviseRuntime(ScanContext context, KubeObject node, KubernetesReleaseTable table, string? stale, Unit unit)
    {
        var text = node.Json.Get("status").Get("nodeInfo").Str("containerRuntimeVersion");
        var sep = text?.IndexOf("://", StringComparison.Ordinal) ?? -1;
        if (text is null || sep <= 0 || KubeVersion.Parse(text[(sep + 3)..]) is not { } v)
        {
            return;
        }

        DateOnly? endOfLife = null;
        switch (text[..sep])
        {
            case "containerd":
                var branch = $"{v.Major}.{v.Minor}";
                endOfLife = Runtimes.Value.Containerd.FirstOrDefault(b => b.Branch == branch)?.EndOfLife;
                break;
            case "cri-o" when stale is null && v.Major == 1:
                endOfLife = table.Find(new KubeVersion(1, v.Minor, 0))?.EndOfLife;
                break;
        }

        if (endOfLife is { } eol && DataJson.DaysBetween(eol, context.Options.Now) > 0)
        {
            unit.Advise($"container runtime {text} is on the {text[..sep]} {v.Major}.{v.Minor} branch, past its end of life ({eol:yyyy-MM-dd}): " +
                        "update it with the node image", RuntimePath, text, key: "container-runtime");
        }
    }

    /// <summary>Catalog advisory: the node's OS image or kernel is on the organization's known-bad list (first matching rule).</summary>
    private static void AdviseKnownBadImage(ScanContext context, KubeObject node, Unit unit)
    {
        if (context.Options.KnownBadNodeImages.Count == 0)
        {
            return;
        }

        var info = node.Json.Get("status").Get("nodeInfo");
        var osImage = info.Str("osImage");
        var kernel = info.Str("kernelVersion");
        if (context.Options.KnownBadNodeImages.FirstOrDefault(r => r.Matches(osImage, kernel)) is not { } rule)
        {
            return;
        }

        // Point at the field the rule is about: the OS image when the rule names one, else the kernel.
        var (path, value) = string.IsNullOrWhiteSpace(rule.OsImage)
            ? ("status.nodeInfo.kernelVersion", kernel)
            : ("status.nodeInfo.osImage", osImage);
        unit.Advise($"node image \"{osImage ?? "(not reported)"}\" with kernel {kernel ?? "(not reported)"} is on the organization's known-bad list: " +
                    $"{rule.Reason}; replace the node pool's image", path, value, key: "known-bad-image");
    }

    internal sealed record RuntimeBranch(string Branch, DateOnly EndOfLife);

    internal sealed record RuntimeData(string Source, IReadOnlyList<RuntimeBranch> Containerd);

    private static bool IsVirtual(KubeObject node) =>
        (node.Labels.TryGetValue("type", out var t) && t == "virtual-kubelet") ||
        (node.Labels.TryGetValue("eks.amazonaws.com/compute-type", out var ct) && ct == "fargate");
}

/// <summary>Source-generated serialisation metadata for Data/container-runtimes.json.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(NodeVersionSkew.RuntimeData))]
internal sealed partial class RuntimeDataJson : JsonSerializerContext;
