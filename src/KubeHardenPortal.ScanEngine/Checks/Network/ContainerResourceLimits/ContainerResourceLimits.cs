using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-008: every init and regular container has memory (and CPU) limits (CATALOG.md §3).</summary>
public sealed class ContainerResourceLimits : ContainerCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-008",
        Title = "Container memory and CPU limits set",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Resource policies",
        Target = CheckTarget.Container,
        Rationale = "A container without a memory limit can consume the node's memory and get other pods evicted or " +
                    "OOM-killed; without a CPU limit it can starve its neighbours. Limits contain the blast radius of a " +
                    "compromised or faulty workload.",
        Remediation = "Set resources.limits.memory (and limits.cpu unless the tenant disabled the CPU rule) on every " +
                      "container, or rely on a namespace LimitRange default (KH-NET-006).",
        FixYaml = """
            resources:
              requests: {cpu: 100m, memory: 128Mi}
              limits: {cpu: 500m, memory: 256Mi}
            """,
        References = new(["C-0270", "C-0271"], ["cpuLimitsMissing", "memoryLimitsMissing"], null, []),
    };

    // Resource limits matter on Windows nodes as much as on Linux ones.
    protected override bool AppliesToWindows => true;

    // Ephemeral containers cannot set resources: not applicable, so Pods carrying only those are not units here.
    protected override bool EvaluatesEphemeralOnlyPods => false;

    protected override bool Includes(ContainerRef container) => container.Type != ContainerType.Ephemeral;

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        Require(context, workload, container, unit, "memory", Severity.Medium);
        if (context.Options.RequireCpuLimits)
        {
            Require(context, workload, container, unit, "cpu", Severity.Low);
        }
    }

    private static void Require(ScanContext context, Workload workload, ContainerRef c, Unit unit, string resource, Severity severity)
    {
        var limit = c.Json.Get("resources").Get("limits").Str(resource);
        if (IsSet(limit))
        {
            return;
        }

        // Pod-level resources (PodLevelResources feature) bound every container of the pod.
        if (IsSet(workload.PodSpec.Get("resources").Get("limits").Str(resource)))
        {
            return;
        }

        // LimitRange defaults are injected at admission: they count for anything not yet admitted (templates, and
        // Pods in a manifest scan). A live Pod without the limit was admitted without it.
        if ((!workload.IsPod || context.IsManifestScan) && workload.Namespace is { } ns &&
            context.NetworkPolicies.DefaultingLimitRange(ns, resource) is not null)
        {
            return;
        }

        var zero = limit is not null ? $" (set to {limit}, which is no limit)" : "";
        unit.Fail($"container \"{c.Name}\" has no {resource} limit (resources.limits.{resource}){zero}",
            JsonPaths.Join(c.Path, ".resources.limits.", resource), limit ?? "<unset>", c, severity);
    }

    private static bool IsSet(string? quantity) =>
        !string.IsNullOrWhiteSpace(quantity) && quantity.Trim() is not ("0" or "0m" or "0Mi" or "0Gi" or "0Ki");
}
