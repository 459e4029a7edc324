using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>Parsed command-line flags of one control-plane component instance (CATALOG.md §1.8 d).</summary>
public sealed class ComponentFlags
{
    private readonly Dictionary<string, string> _flags;

    internal ComponentFlags(KubeObject pod, string component, ContainerRef container, Dictionary<string, string> flags)
    {
        Pod = pod;
        Component = component;
        Container = container;
        _flags = flags;
    }

    public KubeObject Pod { get; }
    public string Component { get; }
    public ContainerRef Container { get; }
    public IReadOnlyDictionary<string, string> All => _flags;

    /// <summary>The flag's value (last occurrence wins); "true" for a bare boolean flag; null when absent.</summary>
    public string? this[string name] => _flags.TryGetValue(name.TrimStart('-'), out var v) ? v : null;

    public bool Has(string name) => _flags.ContainsKey(name.TrimStart('-'));

    /// <summary>Comma-separated flag values, e.g. --authorization-mode=Node,RBAC.</summary>
    public IReadOnlyList<string> List(string name) =>
        this[name] is { } v ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    /// <summary>JSON path of the container command, for evidence.</summary>
    public string EvidencePath => Container.Path + ".command";

    /// <summary>Parses "--flag=value" and "--flag value" from command followed by args.</summary>
    internal static Dictionary<string, string> Parse(IEnumerable<string> tokens)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = tokens.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var t = list[i];
            if (!t.StartsWith('-') || t == "-" || t == "--")
            {
                continue;
            }

            var body = t.TrimStart('-');
            var eq = body.IndexOf('=');
            if (eq >= 0)
            {
                flags[body[..eq]] = body[(eq + 1)..];
            }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith('-'))
            {
                flags[body] = list[i + 1];
                i++;
            }
            else
            {
                flags[body] = "true";
            }
        }

        return flags;
    }
}

/// <summary>How much of the control plane is visible, and the flags of what is.</summary>
public sealed class ControlPlaneView
{
    public const string ApiServer = "kube-apiserver";
    public const string Etcd = "etcd";
    public const string ControllerManager = "kube-controller-manager";
    public const string Scheduler = "kube-scheduler";

    private readonly List<ComponentFlags> _components = [];
    private List<ComponentFlags>? _apiServers;
    private List<ComponentFlags>? _etcd;

    internal ControlPlaneView(ScanContext context)
    {
        var snapshot = context.Snapshot;
        foreach (var pod in context.OfKind("Pod"))
        {
            // Static pods live in kube-system (or carry no namespace in a static-pod manifest file).
            if (pod.Namespace != "kube-system" && !pod.NamespaceImplicit)
            {
                continue;
            }

            var component = ComponentOf(pod);
            if (component is null)
            {
                continue;
            }

            var spec = pod.Json.Get("spec");
            var first = spec.Items("containers").FirstOrDefault();
            if (first.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                continue;
            }

            var container = new ContainerRef(first.Str("name") ?? component, ContainerType.Regular, 0, first, "spec.containers[0]");
            var tokens = first.Strings("command").Concat(first.Strings("args"));
            _components.Add(new ComponentFlags(pod, component, container, ComponentFlags.Parse(tokens)));
        }

        if (snapshot.Cluster.ControlPlane == ControlPlaneVisibility.Managed)
        {
            UnavailableReason = "managed control plane: component flags are not visible through the Kubernetes API";
        }
        else if (ApiServers.Count == 0)
        {
            UnavailableReason = snapshot.Mode == SnapshotMode.Manifests
                ? "no kube-apiserver static pod manifest in the scanned input"
                : snapshot.CoverageOf("pods") is CoverageStatus.Collected
                    ? "no kube-apiserver static/mirror pod in kube-system (managed control plane, k3s, or a non-kubeadm install)"
                    : "pods in kube-system were not collected";
        }
    }

    public IReadOnlyList<ComponentFlags> Components => _components;

    public IReadOnlyList<ComponentFlags> ApiServers => _apiServers ??= _components.Where(c => c.Component == ApiServer).ToList();

    public IReadOnlyList<ComponentFlags> EtcdMembers => _etcd ??= _components.Where(c => c.Component == Etcd).ToList();

    public IReadOnlyList<ComponentFlags> Of(string component) => _components.Where(c => c.Component == component).ToList();

    /// <summary>Why flag checks cannot decide (managed, not visible...); null when API server flags are available.</summary>
    public string? UnavailableReason { get; }

    public bool IsManaged => UnavailableReason is not null && UnavailableReason.StartsWith("managed", StringComparison.Ordinal);

    private static string? ComponentOf(KubeObject pod)
    {
        var labels = pod.Labels;
        if (labels.TryGetValue("component", out var c) &&
            c is ApiServer or Etcd or ControllerManager or Scheduler &&
            (pod.Namespace is "kube-system" || pod.NamespaceImplicit))
        {
            return c;
        }

        // kubescape's fallback heuristic: the name says apiserver and the first command is the binary.
        var first = pod.Json.Get("spec").Items("containers").FirstOrDefault();
        var cmd0 = first.ValueKind == System.Text.Json.JsonValueKind.Object ? first.Strings("command").FirstOrDefault() : null;
        foreach (var name in new[] { ApiServer, Etcd, ControllerManager, Scheduler })
        {
            if (cmd0 is not null && (cmd0 == name || cmd0.EndsWith("/" + name, StringComparison.Ordinal)) &&
                pod.Name.Contains(name == ApiServer ? "apiserver" : name, StringComparison.Ordinal))
            {
                return name;
            }
        }

        return null;
    }
}
