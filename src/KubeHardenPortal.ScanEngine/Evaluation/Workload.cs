using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>One container of a pod spec, with its type and the JSON path from the object root.</summary>
public sealed record ContainerRef(string Name, ContainerType Type, int Index, CompactJson Json, string Path)
{
    /// <summary>Built once: every finding on this container shares it (derived from the positional members, so equality is unchanged).</summary>
    public ContainerInfo Info { get; } = new(Name, Type);

    /// <summary>How messages name it ("init container \"wait\""); built once, as many checks name every container.</summary>
    public string Description { get; } = Type switch
    {
        ContainerType.Init => $"init container \"{Name}\"",
        ContainerType.Ephemeral => $"ephemeral (debug) container \"{Name}\"",
        _ => $"container \"{Name}\"",
    };

    /// <summary>The container's securityContext (may be Undefined).</summary>
    public CompactJson SecurityContext => Json.Get("securityContext");
}

/// <summary>
/// A pod-bearing object (CATALOG.md §1.2) with its pod spec located once, so checks never switch on kinds.
/// </summary>
public sealed class Workload
{
    private IReadOnlyList<ContainerRef>? _all;
    private IReadOnlyDictionary<string, string>? _labels;
    private IReadOnlyDictionary<string, string>? _annotations;

    internal Workload(KubeObject obj, CompactJson podSpec, CompactJson podMetadata, string podSpecPath, bool ephemeralOnly)
    {
        Object = obj;
        PodSpec = podSpec;
        PodMetadata = podMetadata;
        PodSpecPath = podSpecPath;
        EphemeralOnly = ephemeralOnly;
        (IsWindows, WindowsInferred) = DetectWindows(podSpec);
    }

    public KubeObject Object { get; }

    /// <summary>The PodSpec (".spec" for Pods, ".spec.template.spec" for controllers...).</summary>
    public CompactJson PodSpec { get; }

    /// <summary>Metadata carrying the pod's labels and annotations (the template's for controllers).</summary>
    public CompactJson PodMetadata { get; }

    /// <summary>JSON path of the pod spec from the object root, e.g. "spec.template.spec".</summary>
    public string PodSpecPath { get; }

    /// <summary>
    /// A Pod owned by a controller that is itself evaluated: only its ephemeral containers (injected at run time,
    /// never in templates) are evaluated, so nothing is counted twice (CATALOG.md §1.3).
    /// </summary>
    public bool EphemeralOnly { get; }

    public bool IsWindows { get; }

    /// <summary>True when Windows was inferred from a node selector/affinity rather than spec.os.name.</summary>
    public bool WindowsInferred { get; }

    public string? Namespace => Object.Namespace;

    public bool IsPod => Object.Is("Pod");

    public IReadOnlyDictionary<string, string> PodLabels => _labels ??= KubeObject.ReadMap(PodMetadata.Get("labels"));

    public IReadOnlyDictionary<string, string> PodAnnotations => _annotations ??= KubeObject.ReadMap(PodMetadata.Get("annotations"));

    public CompactJson PodSecurityContext => PodSpec.Get("securityContext");

    /// <summary>spec.serviceAccountName, falling back to the deprecated spec.serviceAccount, then "default".</summary>
    public string ServiceAccountName =>
        PodSpec.Str("serviceAccountName") is { Length: > 0 } sa ? sa
        : PodSpec.Str("serviceAccount") is { Length: > 0 } legacy ? legacy
        : "default";

    /// <summary>init + regular + ephemeral containers (CATALOG.md §1.4); only ephemeral ones for <see cref="EphemeralOnly"/>.</summary>
    public IReadOnlyList<ContainerRef> AllContainers => _all ??= BuildContainers();

    public IEnumerable<ContainerRef> Containers(params ContainerType[] types) => AllContainers.Where(c => types.Contains(c.Type));

    /// <summary>JSON path of a pod-spec field, e.g. Path("hostPID") → "spec.template.spec.hostPID".</summary>
    public string Path(string field) => JsonPaths.Field(PodSpecPath, field);

    private List<ContainerRef> BuildContainers()
    {
        var list = new List<ContainerRef>();
        if (!EphemeralOnly)
        {
            Add(list, "initContainers", ContainerType.Init);
            Add(list, "containers", ContainerType.Regular);
        }

        if (IsPod)
        {
            Add(list, "ephemeralContainers", ContainerType.Ephemeral);
        }

        return list;
    }

    private void Add(List<ContainerRef> list, string field, ContainerType type)
    {
        var i = 0;
        foreach (var c in PodSpec.Items(field))
        {
            list.Add(new ContainerRef(c.Str("name") ?? $"#{i}", type, i, c, $"{Path(field)}[{i}]"));
            i++;
        }
    }

    private static (bool, bool) DetectWindows(CompactJson spec)
    {
        var os = spec.Get("os").Str("name");
        if (os is not null)
        {
            return (string.Equals(os, "windows", StringComparison.OrdinalIgnoreCase), false);
        }

        if (spec.Get("nodeSelector").Str("kubernetes.io/os") is { } sel)
        {
            return (string.Equals(sel, "windows", StringComparison.OrdinalIgnoreCase), true);
        }

        foreach (var term in spec.Get("affinity").Get("nodeAffinity").Get("requiredDuringSchedulingIgnoredDuringExecution").Items("nodeSelectorTerms"))
        {
            foreach (var expr in term.Items("matchExpressions"))
            {
                if (expr.Str("key") == "kubernetes.io/os" && expr.Str("operator") == "In" &&
                    expr.Get("values").Count() > 0 &&
                    expr.Strings("values").All(v => string.Equals(v, "windows", StringComparison.OrdinalIgnoreCase)))
                {
                    return (true, true);
                }
            }
        }

        return (false, false);
    }
}

/// <summary>Finds the pod spec of every workload kind and drops controller-owned duplicates (CATALOG.md §1.2–1.3).</summary>
public static class WorkloadExtractor
{
    private static readonly HashSet<string> ControllerKinds =
        ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job", "CronJob"];

    public static bool IsWorkloadKind(string kind) => kind == "Pod" || ControllerKinds.Contains(kind) || kind == "PodTemplate";

    public static List<Workload> Extract(IReadOnlyList<KubeObject> objects)
    {
        // Index controllers present in the input, so ownership is only honoured when the owner is evaluated itself.
        var present = new HashSet<(string Kind, string? Ns, string Name)>();
        var presentUids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            if (ControllerKinds.Contains(o.Kind))
            {
                present.Add((o.Kind, o.Namespace, o.Name));
                if (o.Uid is not null)
                {
                    presentUids.Add(o.Uid);
                }
            }
        }

        var result = new List<Workload>();
        foreach (var o in objects)
        {
            switch (o.Kind)
            {
                case "Pod":
                    var owned = OwnedByPresentController(o, present, presentUids);
                    var spec = o.Json.Get("spec");
                    if (!owned)
                    {
                        result.Add(new Workload(o, spec, o.Metadata, "spec", ephemeralOnly: false));
                    }
                    else if (spec.Get("ephemeralContainers").Count() > 0)
                    {
                        result.Add(new Workload(o, spec, o.Metadata, "spec", ephemeralOnly: true));
                    }

                    break;
                case "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "ReplicationController" or "Job":
                    if (OwnedByPresentController(o, present, presentUids))
                    {
                        break;
                    }

                    var template = o.Json.Get("spec").Get("template");
                    if (template.ValueKind == JsonValueKind.Object)
                    {
                        result.Add(new Workload(o, template.Get("spec"), template.Get("metadata"), "spec.template.spec", false));
                    }

                    break;
                case "CronJob":
                    var jt = o.Json.Get("spec").Get("jobTemplate").Get("spec").Get("template");
                    if (jt.ValueKind == JsonValueKind.Object)
                    {
                        result.Add(new Workload(o, jt.Get("spec"), jt.Get("metadata"), "spec.jobTemplate.spec.template.spec", false));
                    }

                    break;
                case "PodTemplate":
                    var pt = o.Json.Get("template");
                    if (pt.ValueKind == JsonValueKind.Object)
                    {
                        result.Add(new Workload(o, pt.Get("spec"), pt.Get("metadata"), "template.spec", false));
                    }

                    break;
            }
        }

        return result;
    }

    private static bool OwnedByPresentController(KubeObject o, HashSet<(string, string?, string)> present, HashSet<string> uids)
    {
        foreach (var owner in o.Metadata.Items("ownerReferences"))
        {
            if (owner.Bool("controller") != true)
            {
                continue;
            }

            var kind = owner.Str("kind") ?? "";
            if (!ControllerKinds.Contains(kind))
            {
                continue;
            }

            if ((owner.Str("uid") is { } uid && uids.Contains(uid)) || present.Contains((kind, o.Namespace, owner.Str("name") ?? "")))
            {
                return true;
            }
        }

        return false;
    }
}
