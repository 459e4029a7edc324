using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-011: seccomp profile enforced (CATALOG.md §2).</summary>
public sealed class SeccompProfile : WorkloadCheck
{
    internal const string PodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
    internal const string ContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

    // Per scan: the seccompDefault verdict per placement (most workloads share one).
    private static readonly ConditionalWeakTable<ScanContext, ConcurrentDictionary<string, (bool, string)>> Verdicts = new();

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-011",
        Title = "Seccomp profile enforced",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (seccomp); Audit logging → Seccomp: audit mode",
        Target = CheckTarget.Container,
        Rationale = "Without a seccomp profile a container can call every system call of the node's kernel, including " +
                    "the rarely used ones behind many kernel exploits. RuntimeDefault blocks them at little cost.",
        Remediation = "Set seccompProfile.type: RuntimeDefault (or a Localhost profile) at pod level, or enable the kubelet's " +
                      "seccompDefault on every node.",
        FixYaml = """
            securityContext:
              seccompProfile:
                type: RuntimeDefault
            """,
        References = new(["C-0055", "C-0210"], ["linuxHardening"], "Baseline / Restricted", ["5.6.2", "4.2.14"]),
        Collectors = ['a', 'e'],
    };

    protected override bool EvaluatesEphemeralOnlyPods => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        // The legacy annotations only decide on clusters that predate the field (CATALOG.md §1.5, KH-POD-011).
        var annotationEra = context.ServerVersion is { } v && !v.AtLeast(1, 19);
        AdviseLegacyAnnotations(workload, unit, "seccompProfile", PodAnnotation, ContainerAnnotationPrefix);
        IReadOnlyDictionary<string, string>? annotations = null;
        string? nodeVerdict = null;
        var nodesAllow = false;

        foreach (var c in workload.AllContainers)
        {
            var who = Describe(c);
            var type = Get(workload, c, "seccompProfile.type");
            if (type.IsSet)
            {
                EvaluateType(workload, c, unit, type, who);
                continue;
            }

            annotations ??= workload.PodAnnotations;
            var (annotationKey, annotation) = Annotation(annotations, c.Name);
            if (annotation is not null && annotationEra)
            {
                EvaluateAnnotation(workload, c, unit, annotationKey!, annotation, who);
                continue;
            }

            if (nodeVerdict is null)
            {
                (nodesAllow, nodeVerdict) = NodesDefaultToRuntimeDefault(context, workload);
            }

            if (nodesAllow)
            {
                continue; // PASS (inferred): every node it can run on applies RuntimeDefault to unconfined pods.
            }

            var legacy = annotation is null ? "" : $"; legacy annotation {annotationKey}: {annotation} is not credited (it decides only on clusters older than 1.19)";
            unit.Fail($"{who} has no seccomp profile ({nodeVerdict}){legacy}", type.Path, "<unset>", c, key: "seccompProfile");
        }
    }

    private static void EvaluateType(Workload workload, ContainerRef c, Unit unit, EffectiveValue type, string who)
    {
        var t = type.Str ?? "";
        var where = type.FromPod ? " (pod securityContext)" : "";
        var privileged = c.SecurityContext.Bool("privileged") == true ? "; the container is also privileged, which ignores seccomp" : "";
        switch (t)
        {
            case "RuntimeDefault":
                return;
            case "Localhost":
                var profile = type.FromPod ? workload.PodSecurityContext.Get("seccompProfile") : c.SecurityContext.Get("seccompProfile");
                if (!string.IsNullOrWhiteSpace(profile.Str("localhostProfile")))
                {
                    return;
                }

                unit.Fail($"{who} uses seccompProfile type Localhost without a localhostProfile{where}",
                    type.Path[..type.Path.LastIndexOf('.')] + ".localhostProfile", "<unset>", c, key: "seccompProfile");
                return;
            case "Unconfined":
                unit.Fail($"{who} runs with seccompProfile type Unconfined{where} (forbidden by PSS Baseline){privileged}",
                    type.Path, t, c, key: "seccompProfile");
                return;
            default:
                unit.Fail($"{who} has an unrecognised seccompProfile type \"{t}\"{where}", type.Path, t, c, key: "seccompProfile");
                return;
        }
    }

    private static void EvaluateAnnotation(Workload workload, ContainerRef c, Unit unit, string key, string value, string who)
    {
        var path = AnnotationPath(workload, key);
        if (value is "runtime/default" or "docker/default" ||
            (value.StartsWith("localhost/", StringComparison.Ordinal) && value.Length > "localhost/".Length))
        {
            return;
        }

        var why = value == "unconfined" ? "unconfined (forbidden by PSS Baseline)" : $"the unrecognised value \"{value}\"";
        unit.Fail($"{who} has seccomp {why} through the legacy annotation {key}", path, value, c, key: "seccompProfile");
    }

    /// <summary>Container annotation over pod annotation.</summary>
    private static (string? Key, string? Value) Annotation(IReadOnlyDictionary<string, string> annotations, string container)
    {
        var ck = ContainerAnnotationPrefix + container;
        if (annotations.TryGetValue(ck, out var cv))
        {
            return (ck, cv);
        }

        return annotations.TryGetValue(PodAnnotation, out var pv) ? (PodAnnotation, pv) : (null, null);
    }

    /// <summary>Rule 3: true when every node the pod may run on reports seccompDefault: true in /configz.</summary>
    private static (bool Allow, string Why) NodesDefaultToRuntimeDefault(ScanContext context, Workload workload)
    {
        if (context.IsManifestScan)
        {
            return (false, "node kubelet configuration is not part of manifests");
        }

        return Verdicts.GetOrCreateValue(context).GetOrAdd(PodNodes.For(context).PlacementKey(workload), _ => Verdict(PodNodes.For(context).CandidatesFor(workload)));
    }

    private static (bool Allow, string Why) Verdict(IReadOnlyList<PodNode> nodes)
    {
        if (nodes.Count == 0)
        {
            return (false, "no node it may run on is in the snapshot, so kubelet seccompDefault cannot be credited");
        }

        var missing = new List<string>();
        var off = new List<string>();
        foreach (var n in nodes)
        {
            if (!n.HasConfig)
            {
                missing.Add(n.Name);
            }
            else if (n.KubeletConfig.Bool("seccompDefault") != true)
            {
                off.Add(n.Name);
            }
        }

        if (missing.Count == 0 && off.Count == 0)
        {
            return (true, "");
        }

        var parts = new List<string>();
        if (off.Count > 0)
        {
            parts.Add("kubelet seccompDefault is not enabled on " + List(off));
        }

        if (missing.Count > 0)
        {
            parts.Add("kubelet configuration was not collected for " + List(missing));
        }

        return (false, string.Join("; ", parts));
    }

    private static string List(List<string> names) =>
        names.Count <= 5 ? string.Join(", ", names) : string.Join(", ", names.Take(5)) + $" and {names.Count - 5} more";
}
