namespace KubeHardenPortal.ScanEngine.Benchmarks.Generator;

// The generator first builds a small in-memory model of the cluster (names, ownership, pod templates: a few MB
// at 50,000 objects), then streams the JSON from it kind by kind, the way a collector lists resource types.
// Per-object details that nothing else refers to (IPs, container ids, timestamps) are drawn while writing.

/// <summary>How carefully a pod template was hardened.</summary>
internal enum SecurityProfile
{
    /// <summary>Restricted-compliant: non-root, RuntimeDefault seccomp, drop ALL, read-only root, no escalation.</summary>
    Hardened,
    /// <summary>Some settings, usually runAsNonRoot or allowPrivilegeEscalation: false, but not the full set.</summary>
    Partial,
    /// <summary>No securityContext at all (the pod-level one is the API's empty object).</summary>
    None,
    /// <summary>Root, added capabilities, host namespaces or hostPath sockets.</summary>
    Risky,
    /// <summary>A privileged container (main or init).</summary>
    Privileged,
    /// <summary>A node agent: hostNetwork/hostPID, hostPath mounts, often privileged (DaemonSets, static pods).</summary>
    NodeAgent,
}

internal sealed record EnvVar(string Name, string? Value = null, string? SecretName = null, string? ConfigMapName = null,
    string? Key = null, string? FieldPath = null, string? ResourceField = null);

internal sealed record VolumeModel(string Name, string Kind, string? Source = null, string? HostPathType = null);

internal sealed record MountModel(string Volume, string Path, bool ReadOnly = false, string? SubPath = null);

internal sealed record ProbeModel(string Kind, int Port, string? Path = null, string Scheme = "HTTP", string? Host = null,
    int InitialDelay = 0, int Period = 10, int Timeout = 1, int FailureThreshold = 3);

internal sealed class ContainerModel
{
    public required string Name { get; init; }
    public required string Image { get; set; }
    public string PullPolicy { get; init; } = "IfNotPresent";
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    public IReadOnlyList<(string Name, int Port, string Protocol)> Ports { get; init; } = [];
    public IReadOnlyList<EnvVar> Env { get; init; } = [];
    public string? EnvFromConfigMap { get; init; }
    public string? EnvFromSecret { get; init; }
    public (string? Cpu, string? Memory)? Requests { get; init; }
    public (string? Cpu, string? Memory)? Limits { get; init; }
    public ProbeModel? Liveness { get; init; }
    public ProbeModel? Readiness { get; init; }
    public ProbeModel? Startup { get; init; }
    public List<MountModel> Mounts { get; init; } = [];

    /// <summary>Container securityContext as ordered key/value writers; null for none.</summary>
    public ContainerSecurity? Security { get; init; }
}

internal sealed record ContainerSecurity(
    bool? Privileged = null,
    bool? AllowPrivilegeEscalation = null,
    bool? ReadOnlyRootFilesystem = null,
    bool? RunAsNonRoot = null,
    long? RunAsUser = null,
    long? RunAsGroup = null,
    IReadOnlyList<string>? CapAdd = null,
    IReadOnlyList<string>? CapDrop = null,
    string? Seccomp = null);

internal sealed record PodSecurity(
    bool? RunAsNonRoot = null,
    long? RunAsUser = null,
    long? RunAsGroup = null,
    long? FsGroup = null,
    string? Seccomp = null,
    IReadOnlyList<long>? SupplementalGroups = null);

internal sealed record Toleration(string? Key, string Operator, string? Effect, string? Value = null, int? Seconds = null);

internal sealed class PodTemplateModel
{
    public required string App { get; init; }
    public required List<KeyValuePair<string, string>> Labels { get; init; }
    public List<KeyValuePair<string, string>> Annotations { get; init; } = [];
    public List<ContainerModel> InitContainers { get; init; } = [];
    public required List<ContainerModel> Containers { get; init; }
    public List<VolumeModel> Volumes { get; init; } = [];
    public SecurityProfile Profile { get; init; }
    public PodSecurity? PodSecurity { get; init; }
    public string ServiceAccount { get; init; } = "default";
    public bool? AutomountToken { get; init; }
    public bool HostNetwork { get; init; }
    public bool HostPid { get; init; }
    public bool HostIpc { get; init; }
    public string RestartPolicy { get; init; } = "Always";
    public string? PriorityClass { get; init; }
    public int Priority { get; init; }
    public List<KeyValuePair<string, string>>? NodeSelector { get; init; }
    public List<Toleration> Tolerations { get; init; } = [];
    public int TerminationGrace { get; init; } = 30;
    public string DnsPolicy { get; init; } = "ClusterFirst";
    public bool PodAntiAffinity { get; init; }
}

/// <summary>A controller object (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob).</summary>
internal sealed class ControllerModel
{
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string Uid { get; init; }
    public required PodTemplateModel Template { get; init; }
    public ControllerModel? Owner { get; init; }
    public int Replicas { get; init; }
    public int Revision { get; init; } = 1;
    public string? TemplateHash { get; init; }
    public string? ImageTag { get; init; }
    public double AgeDays { get; init; }
    public string? Schedule { get; init; }
    public string? HelmRelease { get; init; }
    public string? HeadlessService { get; init; }
    public int Generation { get; init; } = 1;
}

internal sealed class PodModel
{
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string Uid { get; init; }
    public required PodTemplateModel Template { get; init; }
    public ControllerModel? Owner { get; init; }
    public required NodeModel Node { get; init; }
    public bool Succeeded { get; init; }
    public bool DebugContainer { get; init; }
    public int Ordinal { get; init; } = -1;

    /// <summary>kube-system control-plane component of a static (mirror) pod.</summary>
    public string? StaticComponent { get; init; }

    public double AgeDays { get; init; }
}

internal sealed class NodeModel
{
    public required string Name { get; init; }
    public required string Uid { get; init; }
    public required string Ip { get; init; }
    public required int Index { get; init; }
    public required string Pool { get; init; }
    public required string Zone { get; init; }
    public bool ControlPlane { get; init; }
    public int PodsOnNode { get; set; }

    /// <summary>0 = kubeadm defaults, 1 = hardened pool, 2 = weak (read-only port, anonymous auth).</summary>
    public int KubeletFlavor { get; init; }
}

internal sealed record RuleModel(IReadOnlyList<string> Groups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs,
    IReadOnlyList<string>? ResourceNames = null, IReadOnlyList<string>? NonResourceUrls = null);

internal sealed record RoleModel(string Name, IReadOnlyList<RuleModel> Rules, List<KeyValuePair<string, string>>? Labels = null,
    IReadOnlyList<string>? AggregateFrom = null);

internal sealed record SubjectModel(string Kind, string Name, string? Namespace = null);

internal sealed record BindingModel(string Name, string RoleKind, string RoleName, IReadOnlyList<SubjectModel> Subjects);

internal sealed record ServiceModel(string Name, string App, int Port, int TargetPort, string Type = "ClusterIP", bool Headless = false);

internal sealed record ConfigMapModel(string Name, string Flavor);

internal sealed record NetworkPolicyModel(string Name, string Flavor, string? App = null, int Port = 8080);

internal sealed record IngressModel(string Name, string Service, string Host, bool Tls);

internal sealed class NamespaceModel
{
    public required string Name { get; init; }
    public required string Uid { get; init; }
    public double AgeDays { get; init; }
    public string? Team { get; init; }

    /// <summary>Pod Security Admission labels (enforce/audit/warn), empty for none.</summary>
    public List<KeyValuePair<string, string>> PsaLabels { get; init; } = [];

    public List<string> ServiceAccounts { get; } = ["default"];
    public List<ConfigMapModel> ConfigMaps { get; } = [new("kube-root-ca.crt", "ca")];
    public List<ServiceModel> Services { get; } = [];
    public List<RoleModel> Roles { get; } = [];
    public List<BindingModel> RoleBindings { get; } = [];
    public List<NetworkPolicyModel> NetworkPolicies { get; } = [];
    public List<IngressModel> Ingresses { get; } = [];
    public bool LimitRange { get; set; }
    public bool Quota { get; set; }
    public List<string> Apps { get; } = [];

    public int ObjectCountExcludingWorkloads =>
        1 + ServiceAccounts.Count + ConfigMaps.Count + Services.Count + Roles.Count + RoleBindings.Count +
        NetworkPolicies.Count + Ingresses.Count + (LimitRange ? 1 : 0) + (Quota ? 1 : 0);
}
