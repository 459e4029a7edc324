using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks;

/// <summary>
/// One hardening check: its metadata (the single source of truth) and its logic. Checks are stateless and are
/// found by reflection (<see cref="CheckCatalog"/>); the folder, class and id must agree (catalog test).
/// </summary>
public abstract class Check
{
    public abstract CheckDefinition Definition { get; }

    public abstract void Evaluate(ScanContext context, CheckResults results);
}

/// <summary>
/// A check over every workload's pod spec. Excluded namespaces become Excluded units; controller-owned Pods that
/// only carry ephemeral containers are skipped here (they belong to container checks).
/// </summary>
public abstract class WorkloadCheck : Check
{
    /// <summary>False for Linux-only checks: Windows pods are NotApplicable (CATALOG.md §1.6).</summary>
    protected virtual bool AppliesToWindows => false;

    /// <summary>True for checks that look at containers, so injected ephemeral containers are evaluated.</summary>
    protected virtual bool EvaluatesEphemeralOnlyPods => false;

    public sealed override void Evaluate(ScanContext context, CheckResults results)
    {
        foreach (var w in context.Workloads)
        {
            if (w.EphemeralOnly && !EvaluatesEphemeralOnlyPods)
            {
                continue;
            }

            if (context.IsExcluded(w.Namespace))
            {
                results.Excluded(w.Object);
                continue;
            }

            if (w.IsWindows && !AppliesToWindows)
            {
                results.NotApplicable(w.Object, w.WindowsInferred ? "Windows pod (inferred from node selection)" : "Windows pod");
                continue;
            }

            var unit = results.Begin(w.Object);
            EvaluateWorkload(context, w, unit);
        }
    }

    protected abstract void EvaluateWorkload(ScanContext context, Workload workload, Unit unit);
}

/// <summary>A check of each container; the object's result is its worst container (CATALOG.md §1.4).</summary>
public abstract class ContainerCheck : WorkloadCheck
{
    protected override bool EvaluatesEphemeralOnlyPods => true;

    /// <summary>Which container types the check looks at; all by default.</summary>
    protected virtual bool Includes(ContainerRef container) => true;

    protected sealed override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        // Indexed: foreach over the IReadOnlyList boxes an enumerator per workload and check.
        var containers = workload.AllContainers;
        for (var i = 0; i < containers.Count; i++)
        {
            if (Includes(containers[i]))
            {
                EvaluateContainer(context, workload, containers[i], unit);
            }
        }
    }

    protected abstract void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit);
}

/// <summary>
/// A check of each namespace (LimitRange, quotas, default-deny, PSA labels). In a manifest scan only namespaces
/// declared by a Namespace object in the input are decided; the others are Unknown (their objects may live
/// elsewhere). In a cluster scan, a namespace check is Unknown when the resources it needs were not collected.
/// </summary>
public abstract class NamespaceCheck : Check
{
    /// <summary>Resource types (plural, e.g. "networkpolicies") whose complete list the check needs.</summary>
    protected abstract IReadOnlyList<string> RequiredResources { get; }

    public sealed override void Evaluate(ScanContext context, CheckResults results)
    {
        var missing = RequiredResources.Where(r => !context.Snapshot.IsComplete(r)).ToList();
        foreach (var ns in context.Namespaces)
        {
            if (context.IsExcluded(ns.Name))
            {
                results.Excluded(ns.Ref);
                continue;
            }

            if (context.IsManifestScan && ns.Object is null)
            {
                results.Unknown(ns.Ref, $"Namespace \"{ns.Name}\" is not declared in the scanned input, so its other objects may live elsewhere");
                continue;
            }

            if (missing.Count > 0)
            {
                results.Unknown(ns.Ref, "not collected: " + string.Join(", ", missing), ns.Object?.Source);
                continue;
            }

            var unit = results.Begin(ns.Ref, ns.Object?.Source);
            EvaluateNamespace(context, ns, unit);
        }
    }

    protected abstract void EvaluateNamespace(ScanContext context, NamespaceInfo ns, Unit unit);
}

/// <summary>A check of API server (or other control-plane component) flags; Unknown when they are not visible.</summary>
public abstract class ApiServerFlagCheck : Check
{
    public sealed override void Evaluate(ScanContext context, CheckResults results)
    {
        AdviseOutsideUnits(context, results);
        var cp = context.ControlPlane;
        if (cp.ApiServers.Count == 0 || cp.IsManaged)
        {
            results.Unknown(context.ClusterRef, cp.UnavailableReason ?? "kube-apiserver flags are not visible");
            return;
        }

        foreach (var api in cp.ApiServers)
        {
            var unit = results.Begin(api.Pod);
            EvaluateApiServer(context, api, unit);
        }
    }

    protected abstract void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit);

    /// <summary>Advisories about objects other than the API servers (e.g. kubelets); runs even when the flags are not visible.</summary>
    protected virtual void AdviseOutsideUnits(ScanContext context, CheckResults results)
    {
    }
}

/// <summary>A check of each node's effective kubelet configuration (/configz, CATALOG.md §1.8 e).</summary>
public abstract class KubeletCheck : Check
{
    protected virtual bool AppliesToWindowsNodes => true;

    public sealed override void Evaluate(ScanContext context, CheckResults results)
    {
        var configs = context.Snapshot.Nodes.ToDictionary(n => n.NodeName, StringComparer.Ordinal);
        var nodes = context.OfKind("Node");
        if (nodes.Count == 0 && configs.Count == 0)
        {
            results.Unknown(context.ClusterRef, context.IsManifestScan
                ? "kubelet configuration is not part of manifests"
                : "no nodes or kubelet configuration in the snapshot");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            seen.Add(node.Name);
            if (IsVirtual(node))
            {
                results.NotApplicable(node, "virtual node (no kubelet configuration of its own)");
                continue;
            }

            if (!AppliesToWindowsNodes && node.Labels.TryGetValue("kubernetes.io/os", out var os) && os == "windows")
            {
                results.NotApplicable(node, "Windows node");
                continue;
            }

            Decide(context, results, node.Ref, node.Source, configs.GetValueOrDefault(node.Name));
        }

        foreach (var cfg in configs.Values.Where(c => !seen.Contains(c.NodeName)))
        {
            Decide(context, results, new ResourceRef("v1", "Node", null, cfg.NodeName), null, cfg);
        }
    }

    private void Decide(ScanContext context, CheckResults results, ResourceRef node, SourceLocation? source, NodeKubeletConfig? cfg)
    {
        if (cfg is null || cfg.Status != CoverageStatus.Collected || cfg.KubeletConfig.ValueKind != JsonValueKind.Object)
        {
            var why = cfg is null ? "kubelet configuration (configz) was not collected"
                : $"kubelet configuration {cfg.Status.ToString().ToLowerInvariant()}{(cfg.Message is null ? "" : ": " + cfg.Message)}";
            results.Unknown(node, why, source);
            return;
        }

        EvaluateKubelet(context, node, cfg.KubeletConfig, results.Begin(node, source));
    }

    /// <summary>
    /// Every node whose kubelet configuration was collected, for checks that only add kubelet advisories (they open no
    /// units, so nodes without configz are simply skipped). Virtual nodes are left out.
    /// </summary>
    public static IEnumerable<(ResourceRef Node, SourceLocation? Source, CompactJson Config)> CollectedConfigs(ScanContext context)
    {
        var nodes = context.OfKind("Node").ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var cfg in context.Snapshot.Nodes)
        {
            if (cfg.Status != CoverageStatus.Collected || cfg.KubeletConfig.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var node = nodes.GetValueOrDefault(cfg.NodeName);
            if (node is not null && IsVirtual(node))
            {
                continue;
            }

            yield return (node?.Ref ?? new ResourceRef("v1", "Node", null, cfg.NodeName), node?.Source, cfg.KubeletConfig);
        }
    }

    private static bool IsVirtual(KubeObject node) =>
        (node.Labels.TryGetValue("type", out var t) && t == "virtual-kubelet") ||
        (node.Labels.TryGetValue("eks.amazonaws.com/compute-type", out var ct) && ct == "fargate");

    /// <param name="kubeletConfig">The KubeletConfiguration object (the "kubeletconfig" member of /configz).</param>
    protected abstract void EvaluateKubelet(ScanContext context, ResourceRef node, CompactJson kubeletConfig, Unit unit);
}
