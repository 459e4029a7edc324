using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Generator;

/// <summary>What to generate. Same options (and <see cref="SnapshotGenerator.FormatVersion"/>) give the same bytes.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Number of Kubernetes objects in <c>objects[]</c> (exact above ~1,000; smaller targets get the fixed infrastructure).</summary>
    public int Objects { get; init; } = 5_000;

    public int Seed { get; init; } = 20_260_301;

    /// <summary>Two-space indented JSON (kubectl-like); compact by default, as a collector would write it.</summary>
    public bool Indented { get; init; }

    public string ClusterName { get; init; } = "bench-cluster";
}

public sealed record GeneratedSnapshot(string Path, int Objects, long Bytes, IReadOnlyDictionary<string, int> CountsByKind);

/// <summary>
/// Writes a deterministic, realistic ClusterSnapshot (PRODUCT.md §6) with a target number of objects, streaming it
/// to a file with <see cref="Utf8JsonWriter"/> (only a small model of the cluster is held in memory).
/// </summary>
public static class SnapshotGenerator
{
    /// <summary>Bumped whenever the output changes, so cached files are regenerated.</summary>
    public const int FormatVersion = 1;

    public static string FileName(GeneratorOptions o) =>
        $"snapshot-{o.Objects}-s{o.Seed}-{(o.Indented ? "indented" : "compact")}-v{FormatVersion}.json";

    public static GeneratedSnapshot Generate(string path, GeneratorOptions options)
    {
        var builder = new ClusterBuilder(options.Objects, options.Seed);
        builder.Build();
        var expected = builder.CountsByKind();

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var tmp = path + ".tmp";
        Dictionary<string, int> written;
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var emitter = new SnapshotEmitter(stream, builder, options, expected);
            written = emitter.Write();
        }

        foreach (var (kind, count) in expected)
        {
            if (written.GetValueOrDefault(kind) != count)
            {
                throw new InvalidOperationException($"generator bug: model has {count} {kind} objects, wrote {written.GetValueOrDefault(kind)}");
            }
        }

        File.Move(tmp, path, overwrite: true);
        return new GeneratedSnapshot(path, written.Values.Sum(), new FileInfo(path).Length, written);
    }
}

internal sealed class SnapshotEmitter
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    // (kind, apiVersion, plural resource, group) in the order a collector lists them.
    private static readonly (string Kind, string ApiVersion, string Resource, string Group)[] Kinds =
    [
        ("Namespace", "v1", "namespaces", ""), ("Node", "v1", "nodes", ""), ("Pod", "v1", "pods", ""),
        ("Service", "v1", "services", ""), ("ConfigMap", "v1", "configmaps", ""), ("ServiceAccount", "v1", "serviceaccounts", ""),
        ("Deployment", "apps/v1", "deployments", "apps"), ("ReplicaSet", "apps/v1", "replicasets", "apps"),
        ("DaemonSet", "apps/v1", "daemonsets", "apps"), ("StatefulSet", "apps/v1", "statefulsets", "apps"),
        ("Job", "batch/v1", "jobs", "batch"), ("CronJob", "batch/v1", "cronjobs", "batch"),
        ("Role", "rbac.authorization.k8s.io/v1", "roles", "rbac.authorization.k8s.io"),
        ("RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings", "rbac.authorization.k8s.io"),
        ("ClusterRole", "rbac.authorization.k8s.io/v1", "clusterroles", "rbac.authorization.k8s.io"),
        ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "clusterrolebindings", "rbac.authorization.k8s.io"),
        ("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies", "networking.k8s.io"),
        ("LimitRange", "v1", "limitranges", ""), ("ResourceQuota", "v1", "resourcequotas", ""),
        ("Ingress", "networking.k8s.io/v1", "ingresses", "networking.k8s.io"),
    ];

    private readonly Utf8JsonWriter _w;
    private readonly Dictionary<ControllerModel, string> _currentReplicaSet;
    private readonly ClusterBuilder _m;
    private readonly GeneratorOptions _o;
    private readonly IReadOnlyDictionary<string, int> _expected;
    private readonly Rng _r;
    private readonly Dictionary<string, int> _written = new(StringComparer.Ordinal);
    private readonly string _caPem;
    private readonly List<(string Name, string Digest, long Size)> _imagePool = [];
    private long _resourceVersion = 48_000_000;

    public SnapshotEmitter(Stream stream, ClusterBuilder model, GeneratorOptions options, IReadOnlyDictionary<string, int> expected)
    {
        _m = model;
        _currentReplicaSet = model.Controllers.Where(c => c is { Kind: "ReplicaSet", Replicas: > 0 }).ToDictionary(c => c.Owner!, c => c.Name);
        _o = options;
        _expected = expected;
        _r = new Rng(unchecked((options.Seed * 31) + 7));
        _w = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = options.Indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = false,
        });
        _caPem = Pem(_r.Base64(780));
        foreach (var p in _m.Pods.Select(p => p.Template.Containers[0].Image).Distinct().Take(40))
        {
            _imagePool.Add((p, _r.Hex(32), 20_000_000 + (_r.Int(0, 400) * 1_000_000L)));
        }
    }

    public Dictionary<string, int> Write()
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion", "kubeharden.io/v1");
        _w.WriteString("kind", "ClusterSnapshot");
        WriteCluster();
        WriteCoverage();

        _w.WriteStartArray("objects");
        var byName = (Func<NamespaceModel, string>)(n => n.Name);
        var namespaces = _m.Namespaces.OrderBy(byName, StringComparer.Ordinal).ToList();
        foreach (var ns in namespaces)
        {
            WriteNamespace(ns);
        }

        foreach (var node in _m.Nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            WriteNode(node);
        }

        foreach (var pod in _m.Pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            WritePod(pod);
        }

        ForEachInNamespaces(namespaces, n => n.Services, s => s.Name, WriteService);
        ForEachInNamespaces(namespaces, n => n.ConfigMaps, c => c.Name, WriteConfigMap);
        ForEachInNamespaces(namespaces, n => n.ServiceAccounts, s => s, WriteServiceAccount);
        foreach (var kind in new[] { "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob" })
        {
            foreach (var c in _m.Controllers.Where(c => c.Kind == kind).OrderBy(c => c.Namespace, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal))
            {
                WriteController(c);
            }
        }

        ForEachInNamespaces(namespaces, n => n.Roles, r => r.Name, (ns, r) => WriteRole(r, ns));
        ForEachInNamespaces(namespaces, n => n.RoleBindings, b => b.Name, (ns, b) => WriteBinding(b, ns));
        foreach (var r in _m.ClusterRoles.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            WriteRole(r, null);
        }

        foreach (var b in _m.ClusterRoleBindings.OrderBy(b => b.Name, StringComparer.Ordinal))
        {
            WriteBinding(b, null);
        }

        ForEachInNamespaces(namespaces, n => n.NetworkPolicies, p => p.Name, WriteNetworkPolicy);
        foreach (var ns in namespaces.Where(n => n.LimitRange))
        {
            WriteLimitRange(ns);
        }

        foreach (var ns in namespaces.Where(n => n.Quota))
        {
            WriteQuota(ns);
        }

        ForEachInNamespaces(namespaces, n => n.Ingresses, i => i.Name, WriteIngress);
        _w.WriteEndArray();

        WriteKubeletConfigs();
        _w.WriteStartObject("controlPlane");
        _w.WriteString("visibility", "auto");
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.Flush();
        return _written;
    }

    private static void ForEachInNamespaces<T>(List<NamespaceModel> namespaces, Func<NamespaceModel, IEnumerable<T>> items,
        Func<T, string> name, Action<NamespaceModel, T> write)
    {
        foreach (var ns in namespaces)
        {
            foreach (var item in items(ns).OrderBy(name, StringComparer.Ordinal))
            {
                write(ns, item);
            }
        }
    }

    // ---------------------------------------------------------------- header

    private void WriteCluster()
    {
        _w.WriteStartObject("cluster");
        _w.WriteString("name", _o.ClusterName);
        _w.WriteStartObject("serverVersion");
        _w.WriteString("major", "1");
        _w.WriteString("minor", "31");
        _w.WriteString("gitVersion", ClusterBuilder.KubeVersion);
        _w.WriteString("gitCommit", "a78aa47129b8539636eb86a9d00e31b2720fe06b");
        _w.WriteString("gitTreeState", "clean");
        _w.WriteString("buildDate", "2024-12-10T11:37:11Z");
        _w.WriteString("goVersion", "go1.22.9");
        _w.WriteString("compiler", "gc");
        _w.WriteString("platform", "linux/amd64");
        _w.WriteEndObject();
        _w.WriteString("provider", "kubeadm");
        _w.WriteString("collectedAt", Ts(0));
        _w.WriteStartObject("collector");
        _w.WriteString("mode", "cluster");
        _w.WriteString("version", $"bench-generator/{SnapshotGenerator.FormatVersion}");
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WriteCoverage()
    {
        _w.WriteStartArray("coverage");
        foreach (var (kind, _, resource, group) in Kinds)
        {
            _w.WriteStartObject();
            _w.WriteString("resource", resource);
            _w.WriteString("group", group);
            _w.WriteString("status", "collected");
            _w.WriteNumber("count", _expected.GetValueOrDefault(kind));
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    // ---------------------------------------------------------------- writing helpers

    private string Ts(double daysAgo) => Now.AddMinutes(-Math.Round(daysAgo * 1440)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Ic);

    private static string I(long v) => v.ToString(Ic);

    private static KeyValuePair<string, string> L(string k, string v) => new(k, v);

    private void Begin(string apiVersion, string kind)
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion", apiVersion);
        _w.WriteString("kind", kind);
        _written[kind] = _written.GetValueOrDefault(kind) + 1;
    }

    private void End()
    {
        _w.WriteEndObject();
        if (_w.BytesPending > 1 << 18)
        {
            _w.Flush();
        }
    }

    private void Map(string name, IEnumerable<KeyValuePair<string, string>> items)
    {
        _w.WriteStartObject(name);
        foreach (var (k, v) in items)
        {
            _w.WriteString(k, v);
        }

        _w.WriteEndObject();
    }

    private void Strings(string name, IEnumerable<string> values)
    {
        _w.WriteStartArray(name);
        foreach (var v in values)
        {
            _w.WriteStringValue(v);
        }

        _w.WriteEndArray();
    }

    private readonly record struct OwnerRef(string ApiVersion, string Kind, string Name, string Uid, bool Controller = true);

    private static OwnerRef OwnerOf(ControllerModel c) =>
        new(c.Kind is "Job" or "CronJob" ? "batch/v1" : "apps/v1", c.Kind, c.Name, c.Uid);

    private void Metadata(string name, string? ns, string uid, double ageDays,
        IReadOnlyList<KeyValuePair<string, string>>? labels = null,
        IReadOnlyList<KeyValuePair<string, string>>? annotations = null,
        OwnerRef? owner = null, string? generateName = null, long? generation = null, string[]? finalizers = null)
    {
        _w.WriteStartObject("metadata");
        if (annotations is { Count: > 0 })
        {
            Map("annotations", annotations);
        }

        _w.WriteString("creationTimestamp", Ts(ageDays));
        if (finalizers is not null)
        {
            Strings("finalizers", finalizers);
        }

        if (generateName is not null)
        {
            _w.WriteString("generateName", generateName);
        }

        if (generation is { } g)
        {
            _w.WriteNumber("generation", g);
        }

        if (labels is { Count: > 0 })
        {
            Map("labels", labels);
        }

        _w.WriteString("name", name);
        if (ns is not null)
        {
            _w.WriteString("namespace", ns);
        }

        if (owner is { } o)
        {
            _w.WriteStartArray("ownerReferences");
            _w.WriteStartObject();
            _w.WriteString("apiVersion", o.ApiVersion);
            _w.WriteBoolean("blockOwnerDeletion", true);
            _w.WriteBoolean("controller", o.Controller);
            _w.WriteString("kind", o.Kind);
            _w.WriteString("name", o.Name);
            _w.WriteString("uid", o.Uid);
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        _w.WriteString("resourceVersion", I(_resourceVersion += _r.Int(1, 4000)));
        _w.WriteString("uid", uid);
        _w.WriteEndObject();
    }

    private static string Pem(string base64)
    {
        var sb = new System.Text.StringBuilder("-----BEGIN CERTIFICATE-----\n");
        for (var i = 0; i < base64.Length; i += 64)
        {
            sb.Append(base64.AsSpan(i, Math.Min(64, base64.Length - i))).Append('\n');
        }

        return sb.Append("-----END CERTIFICATE-----\n").ToString();
    }

    // ---------------------------------------------------------------- namespaces and nodes

    private void WriteNamespace(NamespaceModel ns)
    {
        Begin("v1", "Namespace");
        var labels = new List<KeyValuePair<string, string>> { L("kubernetes.io/metadata.name", ns.Name) };
        labels.AddRange(ns.PsaLabels);
        if (ns.Team is not null)
        {
            labels.Add(L("team", ns.Team));
            labels.Add(L("cost-center", "cc-" + (1000 + (ns.Team.Length * 37))));
        }

        var annotations = ns.Team is null ? null
            : new List<KeyValuePair<string, string>> { L("owner", $"{ns.Team}@example.com"), L("scheduler.alpha.kubernetes.io/node-selector", "") };
        Metadata(ns.Name, null, ns.Uid, ns.AgeDays, labels, annotations);
        _w.WriteStartObject("spec");
        Strings("finalizers", ["kubernetes"]);
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteString("phase", "Active");
        _w.WriteEndObject();
        End();
    }

    private void WriteNode(NodeModel n)
    {
        Begin("v1", "Node");
        var labels = new List<KeyValuePair<string, string>>
        {
            L("beta.kubernetes.io/arch", "amd64"), L("beta.kubernetes.io/os", "linux"), L("kubernetes.io/arch", "amd64"),
            L("kubernetes.io/hostname", n.Name), L("kubernetes.io/os", "linux"), L("node-pool", n.Pool),
            L("node.kubernetes.io/instance-type", n.Pool switch { "highmem" => "r6i.2xlarge", "batch" => "c6i.4xlarge", _ => "m6i.2xlarge" }),
            L("topology.kubernetes.io/region", "eu-west-1"), L("topology.kubernetes.io/zone", n.Zone),
        };
        if (n.ControlPlane)
        {
            labels.Add(L("node-role.kubernetes.io/control-plane", ""));
            labels.Add(L("node.kubernetes.io/exclude-from-external-load-balancers", ""));
        }

        var cidr = $"10.244.{n.Index}.0/24";
        Metadata(n.Name, null, n.Uid, n.ControlPlane ? 412 : 30 + (n.Index % 200), labels,
        [
            L("kubeadm.alpha.kubernetes.io/cri-socket", "unix:///var/run/containerd/containerd.sock"),
            L("node.alpha.kubernetes.io/ttl", "0"),
            L("volumes.kubernetes.io/controller-managed-attach-detach", "true"),
            L("io.cilium.network.ipv4-cilium-host", $"10.244.{n.Index}.1"),
            L("io.cilium.network.ipv4-pod-cidr", cidr),
        ]);
        _w.WriteStartObject("spec");
        _w.WriteString("podCIDR", cidr);
        Strings("podCIDRs", [cidr]);
        _w.WriteString("providerID", $"aws:///{n.Zone}/i-0{_r.Hex(8)}");
        if (n.ControlPlane || n.Pool == "batch")
        {
            _w.WriteStartArray("taints");
            _w.WriteStartObject();
            _w.WriteString("effect", "NoSchedule");
            _w.WriteString("key", n.ControlPlane ? "node-role.kubernetes.io/control-plane" : "dedicated");
            if (!n.ControlPlane)
            {
                _w.WriteString("value", "batch");
            }

            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        _w.WriteEndObject();

        _w.WriteStartObject("status");
        _w.WriteStartArray("addresses");
        foreach (var (a, t) in new[] { (n.Ip, "InternalIP"), (n.Name, "Hostname") })
        {
            _w.WriteStartObject();
            _w.WriteString("address", a);
            _w.WriteString("type", t);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        var mem = n.Pool == "highmem" ? 65_546_468 : 32_386_344;
        Map("allocatable", [L("cpu", "7910m"), L("ephemeral-storage", "95491281146"), L("hugepages-1Gi", "0"), L("hugepages-2Mi", "0"),
            L("memory", I(mem - 594_000) + "Ki"), L("pods", "110")]);
        Map("capacity", [L("cpu", "8"), L("ephemeral-storage", "101430960Ki"), L("hugepages-1Gi", "0"), L("hugepages-2Mi", "0"),
            L("memory", I(mem) + "Ki"), L("pods", "110")]);
        _w.WriteStartArray("conditions");
        foreach (var (type, status, reason, message) in new[]
                 {
                     ("NetworkUnavailable", "False", "CiliumIsUp", "Cilium is running on this node"),
                     ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                     ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                     ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                     ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                 })
        {
            _w.WriteStartObject();
            _w.WriteString("lastHeartbeatTime", Ts(0.001 * _r.Int(1, 5)));
            _w.WriteString("lastTransitionTime", Ts(20 + (n.Index % 30)));
            _w.WriteString("message", message);
            _w.WriteString("reason", reason);
            _w.WriteString("status", status);
            _w.WriteString("type", type);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        _w.WriteStartObject("daemonEndpoints");
        _w.WriteStartObject("kubeletEndpoint");
        _w.WriteNumber("Port", 10250);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteStartArray("images");
        var images = Math.Min(_imagePool.Count, 12 + _r.Int(0, 12));
        var start = _r.Int(0, Math.Max(0, _imagePool.Count - 1));
        for (var i = 0; i < images; i++)
        {
            var (name, digest, size) = _imagePool[(start + i) % _imagePool.Count];
            var repo = name.Contains('@', StringComparison.Ordinal) ? name[..name.IndexOf('@', StringComparison.Ordinal)] : name[..Math.Max(name.LastIndexOf(':'), name.LastIndexOf('/') + 1)];
            _w.WriteStartObject();
            Strings("names", name.Contains('@', StringComparison.Ordinal) ? [name] : [$"{repo}@sha256:{digest}", name]);
            _w.WriteNumber("sizeBytes", size);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        _w.WriteStartObject("nodeInfo");
        _w.WriteString("architecture", "amd64");
        _w.WriteString("bootID", _r.Uid());
        _w.WriteString("containerRuntimeVersion", "containerd://1.7.24");
        _w.WriteString("kernelVersion", "6.1.0-28-cloud-amd64");
        _w.WriteString("kubeProxyVersion", ClusterBuilder.KubeVersion);
        _w.WriteString("kubeletVersion", ClusterBuilder.KubeVersion);
        _w.WriteString("machineID", _r.Hex(16));
        _w.WriteString("operatingSystem", "linux");
        _w.WriteString("osImage", "Debian GNU/Linux 12 (bookworm)");
        _w.WriteString("systemUUID", _r.Uid());
        _w.WriteEndObject();
        _w.WriteEndObject();
        End();
    }

    private void WriteKubeletConfigs()
    {
        _w.WriteStartArray("nodes");
        foreach (var n in _m.Nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var weak = n.KubeletFlavor == 2;
            var hardened = n.KubeletFlavor == 1;
            _w.WriteStartObject();
            _w.WriteString("name", n.Name);
            _w.WriteString("status", "collected");
            _w.WriteStartObject("kubeletConfig");
            _w.WriteBoolean("enableServer", true);
            _w.WriteString("staticPodPath", "/etc/kubernetes/manifests");
            _w.WriteString("podLogsDir", "/var/log/pods");
            _w.WriteString("syncFrequency", "1m0s");
            _w.WriteString("fileCheckFrequency", "20s");
            _w.WriteString("httpCheckFrequency", "20s");
            _w.WriteString("address", "0.0.0.0");
            _w.WriteNumber("port", 10250);
            _w.WriteNumber("readOnlyPort", weak ? 10255 : 0);
            if (hardened)
            {
                _w.WriteString("tlsCertFile", "/var/lib/kubelet/pki/kubelet.crt");
                _w.WriteString("tlsPrivateKeyFile", "/var/lib/kubelet/pki/kubelet.key");
                Strings("tlsCipherSuites", ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]);
                _w.WriteString("tlsMinVersion", "VersionTLS12");
            }

            _w.WriteBoolean("rotateCertificates", true);
            _w.WriteBoolean("serverTLSBootstrap", hardened);
            _w.WriteStartObject("authentication");
            _w.WriteStartObject("x509");
            _w.WriteString("clientCAFile", "/etc/kubernetes/pki/ca.crt");
            _w.WriteEndObject();
            _w.WriteStartObject("webhook");
            _w.WriteBoolean("enabled", !weak);
            _w.WriteString("cacheTTL", "2m0s");
            _w.WriteEndObject();
            _w.WriteStartObject("anonymous");
            _w.WriteBoolean("enabled", weak);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteStartObject("authorization");
            _w.WriteString("mode", weak && n.Index % 2 == 0 ? "AlwaysAllow" : "Webhook");
            _w.WriteStartObject("webhook");
            _w.WriteString("cacheAuthorizedTTL", "5m0s");
            _w.WriteString("cacheUnauthorizedTTL", "30s");
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteNumber("registryPullQPS", 5);
            _w.WriteNumber("registryBurst", 10);
            _w.WriteNumber("eventRecordQPS", hardened ? 50 : 5);
            _w.WriteNumber("eventBurst", 100);
            _w.WriteBoolean("enableDebuggingHandlers", true);
            _w.WriteNumber("healthzPort", 10248);
            _w.WriteString("healthzBindAddress", "127.0.0.1");
            _w.WriteNumber("oomScoreAdj", -999);
            _w.WriteString("clusterDomain", "cluster.local");
            Strings("clusterDNS", ["10.96.0.10"]);
            _w.WriteString("streamingConnectionIdleTimeout", hardened ? "5m0s" : "4h0m0s");
            _w.WriteString("nodeStatusUpdateFrequency", "10s");
            _w.WriteString("nodeStatusReportFrequency", "5m0s");
            _w.WriteNumber("nodeLeaseDurationSeconds", 40);
            _w.WriteString("imageMinimumGCAge", "2m0s");
            _w.WriteNumber("imageGCHighThresholdPercent", 85);
            _w.WriteNumber("imageGCLowThresholdPercent", 80);
            _w.WriteString("volumeStatsAggPeriod", "1m0s");
            _w.WriteBoolean("cgroupsPerQOS", true);
            _w.WriteString("cgroupDriver", "systemd");
            _w.WriteString("cpuManagerPolicy", "none");
            _w.WriteString("memoryManagerPolicy", "None");
            _w.WriteString("topologyManagerPolicy", "none");
            _w.WriteString("runtimeRequestTimeout", "2m0s");
            _w.WriteString("hairpinMode", "promiscuous-bridge");
            _w.WriteNumber("maxPods", 110);
            _w.WriteNumber("podPidsLimit", hardened ? 4096 : -1);
            _w.WriteString("resolvConf", "/run/systemd/resolve/resolv.conf");
            _w.WriteBoolean("cpuCFSQuota", true);
            _w.WriteString("cpuCFSQuotaPeriod", "100ms");
            _w.WriteNumber("maxOpenFiles", 1_000_000);
            _w.WriteString("contentType", "application/vnd.kubernetes.protobuf");
            _w.WriteNumber("kubeAPIQPS", 50);
            _w.WriteNumber("kubeAPIBurst", 100);
            _w.WriteBoolean("serializeImagePulls", true);
            Map("evictionHard", [L("imagefs.available", "15%"), L("memory.available", "100Mi"), L("nodefs.available", "10%"), L("nodefs.inodesFree", "5%")]);
            _w.WriteString("evictionPressureTransitionPeriod", "5m0s");
            _w.WriteBoolean("enableControllerAttachDetach", true);
            _w.WriteBoolean("makeIPTablesUtilChains", true);
            _w.WriteNumber("iptablesMasqueradeBit", 14);
            _w.WriteNumber("iptablesDropBit", 15);
            _w.WriteBoolean("protectKernelDefaults", hardened);
            _w.WriteBoolean("failSwapOn", true);
            _w.WriteStartObject("memorySwap");
            _w.WriteEndObject();
            _w.WriteString("containerLogMaxSize", "10Mi");
            _w.WriteNumber("containerLogMaxFiles", 5);
            _w.WriteString("configMapAndSecretChangeDetectionStrategy", "Watch");
            Strings("enforceNodeAllocatable", ["pods"]);
            _w.WriteString("volumePluginDir", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/");
            _w.WriteStartObject("logging");
            _w.WriteString("format", "text");
            _w.WriteString("flushFrequency", "5s");
            _w.WriteNumber("verbosity", 0);
            _w.WriteEndObject();
            _w.WriteBoolean("enableSystemLogHandler", true);
            _w.WriteBoolean("enableSystemLogQuery", false);
            _w.WriteString("shutdownGracePeriod", "0s");
            _w.WriteString("shutdownGracePeriodCriticalPods", "0s");
            _w.WriteBoolean("enableProfilingHandler", !hardened);
            _w.WriteBoolean("enableDebugFlagsHandler", true);
            _w.WriteBoolean("seccompDefault", hardened);
            _w.WriteNumber("memoryThrottlingFactor", 0.9);
            _w.WriteBoolean("registerNode", true);
            _w.WriteBoolean("localStorageCapacityIsolation", true);
            _w.WriteString("containerRuntimeEndpoint", "unix:///var/run/containerd/containerd.sock");
            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    // ---------------------------------------------------------------- pods and pod templates

    private static string WithTag(string image, string? tag)
    {
        if (tag is null || image.Contains('@', StringComparison.Ordinal))
        {
            return image;
        }

        var colon = image.LastIndexOf(':');
        return (colon > image.LastIndexOf('/') ? image[..colon] : image) + ":" + tag;
    }

    private List<KeyValuePair<string, string>> PodLabels(PodModel p)
    {
        var labels = new List<KeyValuePair<string, string>>(p.Template.Labels);
        switch (p.Owner)
        {
            case { Kind: "ReplicaSet" } rs:
                labels.Add(L("pod-template-hash", rs.Name[(p.Template.App.Length + 1)..]));
                break;
            case { Kind: "StatefulSet" } sts:
                labels.Add(L("apps.kubernetes.io/pod-index", I(p.Ordinal)));
                labels.Add(L("controller-revision-hash", sts.TemplateHash!));
                labels.Add(L("statefulset.kubernetes.io/pod-name", p.Name));
                break;
            case { Kind: "DaemonSet" } ds:
                labels.Add(L("controller-revision-hash", ds.TemplateHash!));
                labels.Add(L("pod-template-generation", "1"));
                break;
            case { Kind: "Job" } job:
                labels.Add(L("batch.kubernetes.io/controller-uid", job.Uid));
                labels.Add(L("batch.kubernetes.io/job-name", job.Name));
                labels.Add(L("controller-uid", job.Uid));
                labels.Add(L("job-name", job.Name));
                break;
        }

        return labels;
    }

    private void WritePod(PodModel p)
    {
        Begin("v1", "Pod");
        var t = p.Template;
        var annotations = new List<KeyValuePair<string, string>>(t.Annotations);
        OwnerRef? owner = p.Owner is null ? null : OwnerOf(p.Owner);
        string? generateName = null;
        if (p.StaticComponent is not null)
        {
            annotations.Add(L("kubernetes.io/config.hash", _r.Hex(16)));
            annotations.Add(L("kubernetes.io/config.mirror", _r.Hex(16)));
            annotations.Add(L("kubernetes.io/config.seen", Ts(p.AgeDays).Replace("Z", ".512983874Z", StringComparison.Ordinal)));
            annotations.Add(L("kubernetes.io/config.source", "file"));
            owner = new OwnerRef("v1", "Node", p.Node.Name, p.Node.Uid);
        }
        else if (p.Owner is not null)
        {
            generateName = p.Owner.Kind == "StatefulSet" ? p.Owner.Name + "-" : p.Name[..(p.Name.LastIndexOf('-') + 1)];
        }

        Metadata(p.Name, p.Namespace, p.Uid, p.AgeDays, p.StaticComponent is null ? PodLabels(p) : t.Labels, annotations, owner, generateName);
        WritePodSpec(t, p, p.Owner?.ImageTag);
        WritePodStatus(p);
        End();
    }

    private void WritePodTemplate(ControllerModel c, string templatePath, IReadOnlyList<KeyValuePair<string, string>>? extraLabels = null)
    {
        _w.WriteStartObject(templatePath);
        _w.WriteStartObject("metadata");
        if (c.Template.Annotations.Count > 0)
        {
            Map("annotations", c.Template.Annotations);
        }

        _w.WriteNull("creationTimestamp");
        Map("labels", extraLabels is null ? c.Template.Labels : c.Template.Labels.Concat(extraLabels));
        _w.WriteEndObject();
        WritePodSpec(c.Template, null, c.ImageTag);
        _w.WriteEndObject();
    }

    private void WritePodSpec(PodTemplateModel t, PodModel? pod, string? imageTag)
    {
        var apiAccess = pod is not null && t.AutomountToken != false ? "kube-api-access-" + _r.Suffix(5) : null;
        _w.WriteStartObject("spec");
        if (pod?.Owner is { Kind: "DaemonSet" } || t.PodAntiAffinity || t.NodeSelector is null && t.Profile == SecurityProfile.NodeAgent && pod is null)
        {
            WriteAffinity(t, pod);
        }

        if (t.AutomountToken is { } automount)
        {
            _w.WriteBoolean("automountServiceAccountToken", automount);
        }

        WriteContainers("containers", t.Containers, imageTag, apiAccess);
        _w.WriteString("dnsPolicy", t.DnsPolicy);
        if (pod is not null)
        {
            _w.WriteBoolean("enableServiceLinks", true);
        }

        if (pod is { DebugContainer: true })
        {
            _w.WriteStartArray("ephemeralContainers");
            _w.WriteStartObject();
            Strings("command", ["sh"]);
            _w.WriteString("image", "docker.io/nicolaka/netshoot:v0.13");
            _w.WriteString("imagePullPolicy", "IfNotPresent");
            _w.WriteString("name", "debugger-" + _r.Suffix(5));
            _w.WriteStartObject("resources");
            _w.WriteEndObject();
            if (_r.Chance(0.5))
            {
                _w.WriteStartObject("securityContext");
                _w.WriteBoolean("privileged", true);
                _w.WriteEndObject();
            }

            _w.WriteBoolean("stdin", true);
            _w.WriteString("targetContainerName", t.Containers[0].Name);
            _w.WriteString("terminationMessagePath", "/dev/termination-log");
            _w.WriteString("terminationMessagePolicy", "File");
            _w.WriteBoolean("tty", true);
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        if (t.HostNetwork)
        {
            _w.WriteBoolean("hostNetwork", true);
        }

        if (t.HostPid)
        {
            _w.WriteBoolean("hostPID", true);
        }

        if (t.InitContainers.Count > 0)
        {
            WriteContainers("initContainers", t.InitContainers, imageTag, apiAccess);
        }

        if (pod is not null)
        {
            _w.WriteString("nodeName", pod.Node.Name);
        }

        if (t.NodeSelector is { } selector)
        {
            Map("nodeSelector", selector);
        }

        if (pod is not null)
        {
            _w.WriteString("preemptionPolicy", "PreemptLowerPriority");
            _w.WriteNumber("priority", t.PriorityClass == "high-priority" ? 100_000 : t.Priority);
        }

        if (t.PriorityClass is not null)
        {
            _w.WriteString("priorityClassName", t.PriorityClass);
        }

        _w.WriteString("restartPolicy", t.RestartPolicy);
        _w.WriteString("schedulerName", "default-scheduler");
        _w.WriteStartObject("securityContext");
        if (t.PodSecurity is { } ps)
        {
            if (ps.FsGroup is { } fs)
            {
                _w.WriteNumber("fsGroup", fs);
            }

            if (ps.RunAsGroup is { } rg)
            {
                _w.WriteNumber("runAsGroup", rg);
            }

            if (ps.RunAsNonRoot is { } nr)
            {
                _w.WriteBoolean("runAsNonRoot", nr);
            }

            if (ps.RunAsUser is { } ru)
            {
                _w.WriteNumber("runAsUser", ru);
            }

            if (ps.Seccomp is { } sc)
            {
                _w.WriteStartObject("seccompProfile");
                _w.WriteString("type", sc);
                _w.WriteEndObject();
            }
        }

        _w.WriteEndObject();
        _w.WriteString("serviceAccount", t.ServiceAccount);
        _w.WriteString("serviceAccountName", t.ServiceAccount);
        if (pod?.Owner is { Kind: "StatefulSet" } sts)
        {
            _w.WriteString("hostname", pod.Name);
            _w.WriteString("subdomain", sts.HeadlessService);
        }

        _w.WriteNumber("terminationGracePeriodSeconds", t.TerminationGrace);
        WriteTolerations(t, pod);
        WriteVolumes(t, pod, apiAccess);
        _w.WriteEndObject();
    }

    private void WriteAffinity(PodTemplateModel t, PodModel? pod)
    {
        _w.WriteStartObject("affinity");
        if (pod?.Owner is { Kind: "DaemonSet" })
        {
            _w.WriteStartObject("nodeAffinity");
            _w.WriteStartObject("requiredDuringSchedulingIgnoredDuringExecution");
            _w.WriteStartArray("nodeSelectorTerms");
            _w.WriteStartObject();
            _w.WriteStartArray("matchFields");
            _w.WriteStartObject();
            _w.WriteString("key", "metadata.name");
            _w.WriteString("operator", "In");
            Strings("values", [pod.Node.Name]);
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndObject();
        }
        else if (t.Profile == SecurityProfile.NodeAgent)
        {
            _w.WriteStartObject("nodeAffinity");
            _w.WriteStartObject("requiredDuringSchedulingIgnoredDuringExecution");
            _w.WriteStartArray("nodeSelectorTerms");
            _w.WriteStartObject();
            _w.WriteStartArray("matchExpressions");
            _w.WriteStartObject();
            _w.WriteString("key", "kubernetes.io/os");
            _w.WriteString("operator", "In");
            Strings("values", ["linux"]);
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndObject();
        }
        else
        {
            _w.WriteStartObject("podAntiAffinity");
            _w.WriteStartArray("preferredDuringSchedulingIgnoredDuringExecution");
            _w.WriteStartObject();
            _w.WriteStartObject("podAffinityTerm");
            _w.WriteStartObject("labelSelector");
            Map("matchLabels", [L("app.kubernetes.io/name", t.App)]);
            _w.WriteEndObject();
            _w.WriteString("topologyKey", "kubernetes.io/hostname");
            _w.WriteEndObject();
            _w.WriteNumber("weight", 100);
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
    }

    private void WriteTolerations(PodTemplateModel t, PodModel? pod)
    {
        var list = new List<Toleration>(t.Tolerations);
        if (pod?.Owner is { Kind: "DaemonSet" })
        {
            list.Add(new Toleration("node.kubernetes.io/not-ready", "Exists", "NoExecute"));
            list.Add(new Toleration("node.kubernetes.io/unreachable", "Exists", "NoExecute"));
            list.Add(new Toleration("node.kubernetes.io/disk-pressure", "Exists", "NoSchedule"));
            list.Add(new Toleration("node.kubernetes.io/memory-pressure", "Exists", "NoSchedule"));
            list.Add(new Toleration("node.kubernetes.io/pid-pressure", "Exists", "NoSchedule"));
            list.Add(new Toleration("node.kubernetes.io/unschedulable", "Exists", "NoSchedule"));
            if (t.HostNetwork)
            {
                list.Add(new Toleration("node.kubernetes.io/network-unavailable", "Exists", "NoSchedule"));
            }
        }
        else if (pod is not null && pod.StaticComponent is null)
        {
            list.Add(new Toleration("node.kubernetes.io/not-ready", "Exists", "NoExecute", Seconds: 300));
            list.Add(new Toleration("node.kubernetes.io/unreachable", "Exists", "NoExecute", Seconds: 300));
        }

        if (list.Count == 0)
        {
            return;
        }

        _w.WriteStartArray("tolerations");
        foreach (var tol in list)
        {
            _w.WriteStartObject();
            if (tol.Effect is not null)
            {
                _w.WriteString("effect", tol.Effect);
            }

            if (tol.Key is not null)
            {
                _w.WriteString("key", tol.Key);
            }

            _w.WriteString("operator", tol.Operator);
            if (tol.Seconds is { } s)
            {
                _w.WriteNumber("tolerationSeconds", s);
            }

            if (tol.Value is not null)
            {
                _w.WriteString("value", tol.Value);
            }

            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void WriteVolumes(PodTemplateModel t, PodModel? pod, string? apiAccess)
    {
        var pvc = pod?.Owner is { Kind: "StatefulSet" };
        if (t.Volumes.Count == 0 && apiAccess is null && !pvc)
        {
            return;
        }

        _w.WriteStartArray("volumes");
        if (pvc)
        {
            _w.WriteStartObject();
            _w.WriteString("name", "data");
            _w.WriteStartObject("persistentVolumeClaim");
            _w.WriteString("claimName", "data-" + pod!.Name);
            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        foreach (var v in t.Volumes)
        {
            _w.WriteStartObject();
            switch (v.Kind)
            {
                case "configMap":
                    _w.WriteStartObject("configMap");
                    _w.WriteNumber("defaultMode", 420);
                    _w.WriteString("name", v.Source);
                    _w.WriteEndObject();
                    break;
                case "secret":
                    _w.WriteStartObject("secret");
                    _w.WriteNumber("defaultMode", 420);
                    _w.WriteString("secretName", v.Source);
                    _w.WriteEndObject();
                    break;
                case "emptyDir":
                    _w.WriteStartObject("emptyDir");
                    _w.WriteEndObject();
                    break;
                case "hostPath":
                    _w.WriteStartObject("hostPath");
                    _w.WriteString("path", v.Source);
                    _w.WriteString("type", v.HostPathType ?? "");
                    _w.WriteEndObject();
                    break;
            }

            _w.WriteString("name", v.Name);
            _w.WriteEndObject();
        }

        if (apiAccess is not null)
        {
            // What the ServiceAccount admission plugin adds to every pod that mounts a token.
            _w.WriteStartObject();
            _w.WriteString("name", apiAccess);
            _w.WriteStartObject("projected");
            _w.WriteNumber("defaultMode", 420);
            _w.WriteStartArray("sources");
            _w.WriteStartObject();
            _w.WriteStartObject("serviceAccountToken");
            _w.WriteNumber("expirationSeconds", 3607);
            _w.WriteString("path", "token");
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteStartObject();
            _w.WriteStartObject("configMap");
            _w.WriteStartArray("items");
            _w.WriteStartObject();
            _w.WriteString("key", "ca.crt");
            _w.WriteString("path", "ca.crt");
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteString("name", "kube-root-ca.crt");
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteStartObject();
            _w.WriteStartObject("downwardAPI");
            _w.WriteStartArray("items");
            _w.WriteStartObject();
            _w.WriteStartObject("fieldRef");
            _w.WriteString("apiVersion", "v1");
            _w.WriteString("fieldPath", "metadata.namespace");
            _w.WriteEndObject();
            _w.WriteString("path", "namespace");
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void WriteContainers(string property, List<ContainerModel> containers, string? imageTag, string? apiAccess)
    {
        _w.WriteStartArray(property);
        foreach (var c in containers)
        {
            _w.WriteStartObject();
            if (c.Args is not null)
            {
                Strings("args", c.Args);
            }

            if (c.Command is not null)
            {
                Strings("command", c.Command);
            }

            if (c.Env.Count > 0)
            {
                WriteEnv(c.Env);
            }

            if (c.EnvFromConfigMap is not null || c.EnvFromSecret is not null)
            {
                _w.WriteStartArray("envFrom");
                if (c.EnvFromConfigMap is not null)
                {
                    _w.WriteStartObject();
                    _w.WriteStartObject("configMapRef");
                    _w.WriteString("name", c.EnvFromConfigMap);
                    _w.WriteEndObject();
                    _w.WriteEndObject();
                }

                if (c.EnvFromSecret is not null)
                {
                    _w.WriteStartObject();
                    _w.WriteStartObject("secretRef");
                    _w.WriteString("name", c.EnvFromSecret);
                    _w.WriteBoolean("optional", true);
                    _w.WriteEndObject();
                    _w.WriteEndObject();
                }

                _w.WriteEndArray();
            }

            _w.WriteString("image", ReferenceEquals(c, containers[0]) ? WithTag(c.Image, imageTag) : c.Image);
            _w.WriteString("imagePullPolicy", c.PullPolicy);
            if (c.Liveness is { } live)
            {
                WriteProbe("livenessProbe", live);
            }

            _w.WriteString("name", c.Name);
            if (c.Ports.Count > 0)
            {
                _w.WriteStartArray("ports");
                foreach (var (name, port, protocol) in c.Ports)
                {
                    _w.WriteStartObject();
                    _w.WriteNumber("containerPort", port);
                    _w.WriteString("name", name);
                    _w.WriteString("protocol", protocol);
                    _w.WriteEndObject();
                }

                _w.WriteEndArray();
            }

            if (c.Readiness is { } ready)
            {
                WriteProbe("readinessProbe", ready);
            }

            _w.WriteStartObject("resources");
            if (c.Limits is { } lim)
            {
                WriteQuantities("limits", lim);
            }

            if (c.Requests is { } req)
            {
                WriteQuantities("requests", req);
            }

            _w.WriteEndObject();
            if (c.Security is { } sec)
            {
                WriteContainerSecurity(sec);
            }

            if (c.Startup is { } startup)
            {
                WriteProbe("startupProbe", startup);
            }

            _w.WriteString("terminationMessagePath", "/dev/termination-log");
            _w.WriteString("terminationMessagePolicy", "File");
            if (c.Mounts.Count > 0 || apiAccess is not null)
            {
                _w.WriteStartArray("volumeMounts");
                foreach (var m in c.Mounts)
                {
                    _w.WriteStartObject();
                    _w.WriteString("mountPath", m.Path);
                    _w.WriteString("name", m.Volume);
                    if (m.ReadOnly)
                    {
                        _w.WriteBoolean("readOnly", true);
                    }

                    _w.WriteEndObject();
                }

                if (apiAccess is not null)
                {
                    _w.WriteStartObject();
                    _w.WriteString("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
                    _w.WriteString("name", apiAccess);
                    _w.WriteBoolean("readOnly", true);
                    _w.WriteEndObject();
                }

                _w.WriteEndArray();
            }

            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void WriteQuantities(string name, (string? Cpu, string? Memory) q)
    {
        _w.WriteStartObject(name);
        if (q.Cpu is not null)
        {
            _w.WriteString("cpu", q.Cpu);
        }

        if (q.Memory is not null)
        {
            _w.WriteString("memory", q.Memory);
        }

        _w.WriteEndObject();
    }

    private void WriteEnv(IReadOnlyList<EnvVar> env)
    {
        _w.WriteStartArray("env");
        foreach (var e in env)
        {
            _w.WriteStartObject();
            _w.WriteString("name", e.Name);
            if (e.Value is not null)
            {
                _w.WriteString("value", e.Value);
            }
            else
            {
                _w.WriteStartObject("valueFrom");
                if (e.SecretName is not null || e.ConfigMapName is not null)
                {
                    _w.WriteStartObject(e.SecretName is not null ? "secretKeyRef" : "configMapKeyRef");
                    _w.WriteString("key", e.Key);
                    _w.WriteString("name", e.SecretName ?? e.ConfigMapName);
                    _w.WriteEndObject();
                }
                else if (e.FieldPath is not null)
                {
                    _w.WriteStartObject("fieldRef");
                    _w.WriteString("apiVersion", "v1");
                    _w.WriteString("fieldPath", e.FieldPath);
                    _w.WriteEndObject();
                }
                else
                {
                    _w.WriteStartObject("resourceFieldRef");
                    _w.WriteString("divisor", "0");
                    _w.WriteString("resource", e.ResourceField);
                    _w.WriteEndObject();
                }

                _w.WriteEndObject();
            }

            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void WriteProbe(string name, ProbeModel p)
    {
        _w.WriteStartObject(name);
        _w.WriteNumber("failureThreshold", p.FailureThreshold);
        if (p.Kind == "httpGet")
        {
            _w.WriteStartObject("httpGet");
            if (p.Host is not null)
            {
                _w.WriteString("host", p.Host);
            }

            _w.WriteString("path", p.Path);
            _w.WriteNumber("port", p.Port);
            _w.WriteString("scheme", p.Scheme);
            _w.WriteEndObject();
        }
        else
        {
            _w.WriteStartObject("tcpSocket");
            _w.WriteNumber("port", p.Port);
            _w.WriteEndObject();
        }

        if (p.InitialDelay > 0)
        {
            _w.WriteNumber("initialDelaySeconds", p.InitialDelay);
        }

        _w.WriteNumber("periodSeconds", p.Period);
        _w.WriteNumber("successThreshold", 1);
        _w.WriteNumber("timeoutSeconds", p.Timeout);
        _w.WriteEndObject();
    }

    private void WriteContainerSecurity(ContainerSecurity s)
    {
        _w.WriteStartObject("securityContext");
        if (s.AllowPrivilegeEscalation is { } ape)
        {
            _w.WriteBoolean("allowPrivilegeEscalation", ape);
        }

        if (s.CapAdd is not null || s.CapDrop is not null)
        {
            _w.WriteStartObject("capabilities");
            if (s.CapAdd is not null)
            {
                Strings("add", s.CapAdd);
            }

            if (s.CapDrop is not null)
            {
                Strings("drop", s.CapDrop);
            }

            _w.WriteEndObject();
        }

        if (s.Privileged is { } priv)
        {
            _w.WriteBoolean("privileged", priv);
        }

        if (s.ReadOnlyRootFilesystem is { } ro)
        {
            _w.WriteBoolean("readOnlyRootFilesystem", ro);
        }

        if (s.RunAsGroup is { } g)
        {
            _w.WriteNumber("runAsGroup", g);
        }

        if (s.RunAsNonRoot is { } nr)
        {
            _w.WriteBoolean("runAsNonRoot", nr);
        }

        if (s.RunAsUser is { } u)
        {
            _w.WriteNumber("runAsUser", u);
        }

        if (s.Seccomp is not null)
        {
            _w.WriteStartObject("seccompProfile");
            _w.WriteString("type", s.Seccomp);
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
    }

    private void WritePodStatus(PodModel p)
    {
        var t = p.Template;
        var started = p.AgeDays;
        _w.WriteStartObject("status");
        _w.WriteStartArray("conditions");
        foreach (var type in new[] { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled" })
        {
            _w.WriteStartObject();
            _w.WriteNull("lastProbeTime");
            _w.WriteString("lastTransitionTime", Ts(Math.Max(0, started - (type == "PodScheduled" ? 0 : 0.0003 * _r.Int(1, 60)))));
            if (p.Succeeded && type is "Ready" or "ContainersReady" or "PodReadyToStartContainers")
            {
                _w.WriteString("reason", "PodCompleted");
                _w.WriteString("status", "False");
            }
            else
            {
                _w.WriteString("status", "True");
            }

            _w.WriteString("type", type);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        WriteContainerStatuses("containerStatuses", t.Containers, p, p.Owner?.ImageTag, init: false);
        _w.WriteString("hostIP", p.Node.Ip);
        _w.WriteStartArray("hostIPs");
        _w.WriteStartObject();
        _w.WriteString("ip", p.Node.Ip);
        _w.WriteEndObject();
        _w.WriteEndArray();
        if (t.InitContainers.Count > 0)
        {
            WriteContainerStatuses("initContainerStatuses", t.InitContainers, p, p.Owner?.ImageTag, init: true);
        }

        _w.WriteString("phase", p.Succeeded ? "Succeeded" : "Running");
        var ip = t.HostNetwork ? p.Node.Ip : $"10.244.{p.Node.Index}.{2 + _r.Int(0, 250)}";
        _w.WriteString("podIP", ip);
        _w.WriteStartArray("podIPs");
        _w.WriteStartObject();
        _w.WriteString("ip", ip);
        _w.WriteEndObject();
        _w.WriteEndArray();
        var guaranteed = t.Containers.All(c => c.Limits is { Cpu: not null, Memory: not null } && c.Requests is null);
        _w.WriteString("qosClass", guaranteed ? "Guaranteed" : t.Containers.Any(c => c.Requests is not null || c.Limits is not null) ? "Burstable" : "BestEffort");
        _w.WriteString("startTime", Ts(started));
        _w.WriteEndObject();
    }

    private void WriteContainerStatuses(string property, List<ContainerModel> containers, PodModel p, string? imageTag, bool init)
    {
        _w.WriteStartArray(property);
        foreach (var c in containers)
        {
            var image = ReferenceEquals(c, p.Template.Containers[0]) ? WithTag(c.Image, imageTag) : c.Image;
            var repo = image.Contains('@', StringComparison.Ordinal) ? image[..image.IndexOf('@', StringComparison.Ordinal)]
                : image[..Math.Max(image.LastIndexOf(':'), image.LastIndexOf('/') + 1)];
            _w.WriteStartObject();
            _w.WriteString("containerID", "containerd://" + _r.Hex(32));
            _w.WriteString("image", image);
            _w.WriteString("imageID", image.Contains('@', StringComparison.Ordinal) ? image : $"{repo}@sha256:{_r.Hex(32)}");
            _w.WriteStartObject("lastState");
            _w.WriteEndObject();
            _w.WriteString("name", c.Name);
            var terminated = init || p.Succeeded;
            _w.WriteBoolean("ready", !terminated);
            var restarts = terminated ? 0 : _r.Weighted(85, 10, 5) switch { 0 => 0, 1 => _r.Int(1, 3), _ => _r.Int(4, 40) };
            _w.WriteNumber("restartCount", restarts);
            if (!init)
            {
                _w.WriteBoolean("started", !terminated);
            }

            _w.WriteStartObject("state");
            if (terminated)
            {
                _w.WriteStartObject("terminated");
                _w.WriteString("containerID", "containerd://" + _r.Hex(32));
                _w.WriteNumber("exitCode", 0);
                _w.WriteString("finishedAt", Ts(Math.Max(0, p.AgeDays - 0.0005)));
                _w.WriteString("reason", "Completed");
                _w.WriteString("startedAt", Ts(p.AgeDays));
                _w.WriteEndObject();
            }
            else
            {
                _w.WriteStartObject("running");
                _w.WriteString("startedAt", Ts(Math.Max(0, p.AgeDays - 0.001)));
                _w.WriteEndObject();
            }

            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    // ---------------------------------------------------------------- controllers

    private void WriteController(ControllerModel c)
    {
        var apiVersion = c.Kind is "Job" or "CronJob" ? "batch/v1" : "apps/v1";
        Begin(apiVersion, c.Kind);
        var labels = new List<KeyValuePair<string, string>>(c.Template.Labels);
        var annotations = new List<KeyValuePair<string, string>>();
        if (c.HelmRelease is not null && c.Kind is "Deployment" or "ReplicaSet")
        {
            labels.Add(L("app.kubernetes.io/managed-by", "Helm"));
            labels.Add(L("helm.sh/chart", $"{c.HelmRelease}-{c.Template.Containers[0].Image.Length % 7}.{c.Revision}.0"));
            annotations.Add(L("meta.helm.sh/release-name", c.HelmRelease));
            annotations.Add(L("meta.helm.sh/release-namespace", c.Namespace));
        }

        switch (c.Kind)
        {
            case "Deployment":
                annotations.Add(L("deployment.kubernetes.io/revision", I(c.Revision)));
                Metadata(c.Name, c.Namespace, c.Uid, c.AgeDays, labels, annotations, generation: c.Generation);
                WriteDeploymentSpecAndStatus(c);
                break;
            case "ReplicaSet":
                annotations.Add(L("deployment.kubernetes.io/desired-replicas", I(c.Owner!.Replicas)));
                annotations.Add(L("deployment.kubernetes.io/max-replicas", I(c.Owner.Replicas + Math.Max(1, c.Owner.Replicas / 4))));
                annotations.Add(L("deployment.kubernetes.io/revision", I(c.Revision)));
                var hash = c.Name[(c.Template.App.Length + 1)..];
                labels.Add(L("pod-template-hash", hash));
                Metadata(c.Name, c.Namespace, c.Uid, c.AgeDays, labels, annotations, OwnerOf(c.Owner), generation: c.Replicas == 0 ? 3 : 1);
                WriteReplicaSetSpecAndStatus(c, hash);
                break;
            case "DaemonSet":
                annotations.Add(L("deprecated.daemonset.template.generation", "1"));
                Metadata(c.Name, c.Namespace, c.Uid, c.AgeDays, labels, annotations, generation: 1);
                WriteDaemonSetSpecAndStatus(c);
                break;
            case "StatefulSet":
                Metadata(c.Name, c.Namespace, c.Uid, c.AgeDays, labels, annotations, generation: 1);
                WriteStatefulSetSpecAndStatus(c);
                break;
            case "Job":
                labels.Add(L("batch.kubernetes.io/controller-uid", c.Uid));
                labels.Add(L("batch.kubernetes.io/job-name", c.Name));
                labels.Add(L("controller-uid", c.Uid));
                labels.Add(L("job-name", c.Name));
                Metadata(c.Name, c.Namespace, c.Uid, c.AgeDays, labels, [L("batch.kubernetes.io/cronjob-scheduled-timestamp", Ts(c.AgeDays))],
                    OwnerOf(c.Owner!), generation: 1);
                WriteJobSpecAndStatus(c);
                break;
            default:
                Metadata(c.Name, c.Namespace, c.Uid, c.AgeDays, labels, annotations, generation: 1);
                WriteCronJobSpecAndStatus(c);
                break;
        }

        End();
    }

    private void Selector(IReadOnlyList<KeyValuePair<string, string>> matchLabels)
    {
        _w.WriteStartObject("selector");
        Map("matchLabels", matchLabels);
        _w.WriteEndObject();
    }

    private List<KeyValuePair<string, string>> SelectorLabels(ControllerModel c) =>
        [L("app.kubernetes.io/name", c.Template.App), .. c.Template.Labels.Where(l => l.Key == "app.kubernetes.io/instance")];

    private void Conditions(params (string Type, string Status, string Reason, string Message, double Age)[] conditions)
    {
        _w.WriteStartArray("conditions");
        foreach (var c in conditions)
        {
            _w.WriteStartObject();
            _w.WriteString("lastTransitionTime", Ts(c.Age));
            _w.WriteString("lastUpdateTime", Ts(c.Age * 0.5));
            _w.WriteString("message", c.Message);
            _w.WriteString("reason", c.Reason);
            _w.WriteString("status", c.Status);
            _w.WriteString("type", c.Type);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void WriteDeploymentSpecAndStatus(ControllerModel c)
    {
        var current = _currentReplicaSet.GetValueOrDefault(c, c.Name);
        _w.WriteStartObject("spec");
        _w.WriteNumber("progressDeadlineSeconds", 600);
        _w.WriteNumber("replicas", c.Replicas);
        _w.WriteNumber("revisionHistoryLimit", 10);
        Selector(SelectorLabels(c));
        _w.WriteStartObject("strategy");
        _w.WriteStartObject("rollingUpdate");
        _w.WriteString("maxSurge", "25%");
        _w.WriteString("maxUnavailable", "25%");
        _w.WriteEndObject();
        _w.WriteString("type", "RollingUpdate");
        _w.WriteEndObject();
        WritePodTemplate(c, "template");
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteNumber("availableReplicas", c.Replicas);
        Conditions(("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", c.AgeDays * 0.2),
            ("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{current}\" has successfully progressed.", c.AgeDays));
        _w.WriteNumber("observedGeneration", c.Generation);
        _w.WriteNumber("readyReplicas", c.Replicas);
        _w.WriteNumber("replicas", c.Replicas);
        _w.WriteNumber("updatedReplicas", c.Replicas);
        _w.WriteEndObject();
    }

    private void WriteReplicaSetSpecAndStatus(ControllerModel c, string hash)
    {
        _w.WriteStartObject("spec");
        _w.WriteNumber("replicas", c.Replicas);
        Selector([.. SelectorLabels(c), L("pod-template-hash", hash)]);
        WritePodTemplate(c, "template", [L("pod-template-hash", hash)]);
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        if (c.Replicas > 0)
        {
            _w.WriteNumber("availableReplicas", c.Replicas);
            _w.WriteNumber("fullyLabeledReplicas", c.Replicas);
        }

        _w.WriteNumber("observedGeneration", c.Replicas == 0 ? 3 : 1);
        if (c.Replicas > 0)
        {
            _w.WriteNumber("readyReplicas", c.Replicas);
        }

        _w.WriteNumber("replicas", c.Replicas);
        _w.WriteEndObject();
    }

    private void WriteDaemonSetSpecAndStatus(ControllerModel c)
    {
        _w.WriteStartObject("spec");
        _w.WriteNumber("revisionHistoryLimit", 10);
        Selector(SelectorLabels(c));
        WritePodTemplate(c, "template");
        _w.WriteStartObject("updateStrategy");
        _w.WriteStartObject("rollingUpdate");
        _w.WriteNumber("maxSurge", 0);
        _w.WriteNumber("maxUnavailable", 1);
        _w.WriteEndObject();
        _w.WriteString("type", "RollingUpdate");
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        foreach (var name in new[] { "currentNumberScheduled", "desiredNumberScheduled", "numberAvailable" })
        {
            _w.WriteNumber(name, c.Replicas);
        }

        _w.WriteNumber("numberMisscheduled", 0);
        _w.WriteNumber("numberReady", c.Replicas);
        _w.WriteNumber("observedGeneration", 1);
        _w.WriteNumber("updatedNumberScheduled", c.Replicas);
        _w.WriteEndObject();
    }

    private void WriteStatefulSetSpecAndStatus(ControllerModel c)
    {
        _w.WriteStartObject("spec");
        _w.WriteStartObject("persistentVolumeClaimRetentionPolicy");
        _w.WriteString("whenDeleted", "Retain");
        _w.WriteString("whenScaled", "Retain");
        _w.WriteEndObject();
        _w.WriteString("podManagementPolicy", "OrderedReady");
        _w.WriteNumber("replicas", c.Replicas);
        _w.WriteNumber("revisionHistoryLimit", 10);
        Selector(SelectorLabels(c));
        _w.WriteString("serviceName", c.HeadlessService);
        WritePodTemplate(c, "template");
        _w.WriteStartObject("updateStrategy");
        _w.WriteStartObject("rollingUpdate");
        _w.WriteNumber("partition", 0);
        _w.WriteEndObject();
        _w.WriteString("type", "RollingUpdate");
        _w.WriteEndObject();
        _w.WriteStartArray("volumeClaimTemplates");
        _w.WriteStartObject();
        _w.WriteString("apiVersion", "v1");
        _w.WriteString("kind", "PersistentVolumeClaim");
        _w.WriteStartObject("metadata");
        _w.WriteNull("creationTimestamp");
        _w.WriteString("name", "data");
        _w.WriteEndObject();
        _w.WriteStartObject("spec");
        Strings("accessModes", ["ReadWriteOnce"]);
        _w.WriteStartObject("resources");
        Map("requests", [L("storage", _r.Pick(["8Gi", "20Gi", "50Gi", "100Gi"]))]);
        _w.WriteEndObject();
        _w.WriteString("storageClassName", "gp3");
        _w.WriteString("volumeMode", "Filesystem");
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteString("phase", "Pending");
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteNumber("availableReplicas", c.Replicas);
        _w.WriteNumber("collisionCount", 0);
        _w.WriteNumber("currentReplicas", c.Replicas);
        _w.WriteString("currentRevision", c.TemplateHash);
        _w.WriteNumber("observedGeneration", 1);
        _w.WriteNumber("readyReplicas", c.Replicas);
        _w.WriteNumber("replicas", c.Replicas);
        _w.WriteString("updateRevision", c.TemplateHash);
        _w.WriteNumber("updatedReplicas", c.Replicas);
        _w.WriteEndObject();
    }

    private void WriteJobSpecAndStatus(ControllerModel c)
    {
        _w.WriteStartObject("spec");
        _w.WriteNumber("backoffLimit", 6);
        _w.WriteString("completionMode", "NonIndexed");
        _w.WriteNumber("completions", 1);
        _w.WriteBoolean("manualSelector", false);
        _w.WriteNumber("parallelism", 1);
        _w.WriteString("podReplacementPolicy", "TerminatingOrFailed");
        Selector([L("batch.kubernetes.io/controller-uid", c.Uid)]);
        _w.WriteBoolean("suspend", false);
        WritePodTemplate(c, "template", [L("batch.kubernetes.io/controller-uid", c.Uid), L("batch.kubernetes.io/job-name", c.Name),
            L("controller-uid", c.Uid), L("job-name", c.Name)]);
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteString("completionTime", Ts(Math.Max(0, c.AgeDays - 0.0006)));
        _w.WriteStartArray("conditions");
        foreach (var type in new[] { "SuccessCriteriaMet", "Complete" })
        {
            _w.WriteStartObject();
            _w.WriteString("lastProbeTime", Ts(Math.Max(0, c.AgeDays - 0.0006)));
            _w.WriteString("lastTransitionTime", Ts(Math.Max(0, c.AgeDays - 0.0006)));
            _w.WriteString("message", "Reached expected number of succeeded pods");
            _w.WriteString("reason", "CompletionsReached");
            _w.WriteString("status", "True");
            _w.WriteString("type", type);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        _w.WriteNumber("ready", 0);
        _w.WriteString("startTime", Ts(c.AgeDays));
        _w.WriteNumber("succeeded", 1);
        _w.WriteNumber("terminating", 0);
        _w.WriteStartObject("uncountedTerminatedPods");
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WriteCronJobSpecAndStatus(ControllerModel c)
    {
        _w.WriteStartObject("spec");
        _w.WriteString("concurrencyPolicy", "Forbid");
        _w.WriteNumber("failedJobsHistoryLimit", 1);
        _w.WriteStartObject("jobTemplate");
        _w.WriteStartObject("metadata");
        _w.WriteNull("creationTimestamp");
        _w.WriteEndObject();
        _w.WriteStartObject("spec");
        _w.WriteNumber("activeDeadlineSeconds", 3600);
        _w.WriteNumber("backoffLimit", 2);
        WritePodTemplate(c, "template");
        _w.WriteNumber("ttlSecondsAfterFinished", 86_400);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("schedule", c.Schedule);
        _w.WriteNumber("successfulJobsHistoryLimit", 3);
        _w.WriteBoolean("suspend", false);
        _w.WriteString("timeZone", "Etc/UTC");
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteString("lastScheduleTime", Ts(0.01));
        _w.WriteString("lastSuccessfulTime", Ts(0.009));
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- namespaced configuration objects

    private void WriteService(NamespaceModel ns, ServiceModel s)
    {
        Begin("v1", "Service");
        var labels = s.App.Length > 0 ? new List<KeyValuePair<string, string>> { L("app.kubernetes.io/name", s.App) } : [L("component", "apiserver"), L("provider", "kubernetes")];
        Metadata(s.Name, ns.Name, _r.Uid(), ns.AgeDays * 0.9, labels,
            s.Type == "LoadBalancer" ? [L("service.beta.kubernetes.io/aws-load-balancer-type", "nlb")] : null);
        _w.WriteStartObject("spec");
        var ip = s.Headless ? "None" : $"10.{96 + _r.Int(0, 15)}.{_r.Int(0, 255)}.{_r.Int(1, 254)}";
        if (s.Name == "kubernetes" && ns.Name == "default")
        {
            ip = "10.96.0.1";
        }

        _w.WriteString("clusterIP", ip);
        Strings("clusterIPs", [ip]);
        if (s.Type == "LoadBalancer")
        {
            _w.WriteString("externalTrafficPolicy", "Local");
        }

        _w.WriteString("internalTrafficPolicy", "Cluster");
        Strings("ipFamilies", ["IPv4"]);
        _w.WriteString("ipFamilyPolicy", "SingleStack");
        _w.WriteStartArray("ports");
        _w.WriteStartObject();
        _w.WriteString("name", s.Port == 443 ? "https" : s.Port == 53 ? "dns" : "http");
        if (s.Type is "NodePort" or "LoadBalancer")
        {
            _w.WriteNumber("nodePort", 30_000 + _r.Int(0, 2767));
        }

        _w.WriteNumber("port", s.Port);
        _w.WriteString("protocol", "TCP");
        _w.WriteNumber("targetPort", s.TargetPort);
        _w.WriteEndObject();
        _w.WriteEndArray();
        if (s.App.Length > 0)
        {
            Map("selector", [L("app.kubernetes.io/name", s.App)]);
        }

        _w.WriteString("sessionAffinity", "None");
        _w.WriteString("type", s.Type);
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteStartObject("loadBalancer");
        if (s.Type == "LoadBalancer")
        {
            _w.WriteStartArray("ingress");
            _w.WriteStartObject();
            _w.WriteString("hostname", $"k8s-{ns.Name}-{_r.Hex(5)}.elb.eu-west-1.amazonaws.com");
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
        End();
    }

    private void WriteConfigMap(NamespaceModel ns, ConfigMapModel c)
    {
        Begin("v1", "ConfigMap");
        var labels = c.Flavor == "ca" ? null : new List<KeyValuePair<string, string>> { L("app.kubernetes.io/part-of", ns.Team ?? ns.Name) };
        var annotations = c.Flavor == "ca" ? new List<KeyValuePair<string, string>> { L("kubernetes.io/description",
            "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.") } : null;
        Metadata(c.Name, ns.Name, _r.Uid(), ns.AgeDays * 0.8, labels, annotations);
        _w.WriteStartObject("data");
        switch (c.Flavor)
        {
            case "ca":
                _w.WriteString("ca.crt", _caPem);
                break;
            case "env":
                var keys = _r.Int(3, 9);
                for (var i = 0; i < keys; i++)
                {
                    _w.WriteString(_r.Pick(["LOG_LEVEL", "TIMEOUT_MS", "MAX_CONNECTIONS", "REGION", "UPSTREAM_URL", "BATCH_SIZE", "RETRIES", "CACHE_SIZE", "WORKERS", "QUEUE"]) + "_" + I(i),
                        _r.Pick(["info", "2500", "100", "eu-west-1", "http://upstream.internal:8080/api/v2", "500", "3", "256Mi", "4", "orders-events"]));
                }

                break;
            case "json":
                _w.WriteString("settings.json",
                    $"{{\"featureFlags\":{{\"newCheckout\":{(_r.Chance(0.5) ? "true" : "false")},\"fastSearch\":true}},\"limits\":{{\"rps\":{_r.Int(50, 5000)},\"burst\":{_r.Int(10, 500)}}},\"upstreams\":[\"http://a.internal:8080\",\"http://b.internal:8080\"],\"locale\":\"en-GB\"}}");
                break;
            case "coredns":
                _w.WriteString("Corefile",
                    ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n    loop\n    reload\n    loadbalance\n}\n");
                break;
            case "extension-apiserver-authentication":
                _w.WriteString("client-ca-file", _caPem);
                _w.WriteString("requestheader-allowed-names", "[\"front-proxy-client\"]");
                _w.WriteString("requestheader-client-ca-file", _caPem);
                _w.WriteString("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]");
                _w.WriteString("requestheader-group-headers", "[\"X-Remote-Group\"]");
                _w.WriteString("requestheader-username-headers", "[\"X-Remote-User\"]");
                break;
            default:
                var lines = c.Flavor == "file" ? _r.Int(8, 30) : _r.Int(30, 90);
                var sb = new System.Text.StringBuilder();
                for (var i = 0; i < lines; i++)
                {
                    sb.Append(' ', 2 * (i % 3)).Append(_r.Pick(["server", "port", "timeout", "endpoint", "retries", "level", "enabled", "path", "pool", "interval"]))
                        .Append(I(i)).Append(": ").Append(_r.Pick(["true", "8080", "30s", "/api/v1", "\"https://svc.internal\"", "info", "10", "[a, b, c]"])).Append('\n');
                }

                _w.WriteString(c.Flavor == "file" ? "config.yaml" : c.Flavor + ".conf", sb.ToString());
                _w.WriteString("version", I(_r.Int(1, 90)));
                break;
        }

        _w.WriteEndObject();
        End();
    }

    private void WriteServiceAccount(NamespaceModel ns, string name)
    {
        Begin("v1", "ServiceAccount");
        var irsa = ns.Team is not null && name != "default" && _r.Chance(0.3);
        Metadata(name, ns.Name, _r.Uid(), ns.AgeDays * 0.9,
            name == "default" ? null : [L("app.kubernetes.io/name", name)],
            irsa ? [L("eks.amazonaws.com/role-arn", $"arn:aws:iam::123456789012:role/{ns.Name}-{name}")] : null);
        if (name == "default" && ns.Team is not null && _r.Chance(0.3))
        {
            _w.WriteBoolean("automountServiceAccountToken", false);
        }

        if (ns.Team is not null && _r.Chance(0.15))
        {
            _w.WriteStartArray("imagePullSecrets");
            _w.WriteStartObject();
            _w.WriteString("name", "registry-credentials");
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        End();
    }

    private void WriteRole(RoleModel r, NamespaceModel? ns)
    {
        Begin("rbac.authorization.k8s.io/v1", ns is null ? "ClusterRole" : "Role");
        var annotations = r.Labels?.Any(l => l.Key == "kubernetes.io/bootstrapping") == true
            ? new List<KeyValuePair<string, string>> { L("rbac.authorization.kubernetes.io/autoupdate", "true") }
            : null;
        Metadata(r.Name, ns?.Name, _r.Uid(), ns?.AgeDays ?? 412, r.Labels, annotations);
        if (r.AggregateFrom is not null)
        {
            _w.WriteStartObject("aggregationRule");
            _w.WriteStartArray("clusterRoleSelectors");
            foreach (var label in r.AggregateFrom)
            {
                _w.WriteStartObject();
                Map("matchLabels", [L(label, "true")]);
                _w.WriteEndObject();
            }

            _w.WriteEndArray();
            _w.WriteEndObject();
        }

        _w.WriteStartArray("rules");
        foreach (var rule in r.Rules)
        {
            _w.WriteStartObject();
            if (rule.NonResourceUrls is not null)
            {
                Strings("nonResourceURLs", rule.NonResourceUrls);
            }
            else
            {
                Strings("apiGroups", rule.Groups);
                if (rule.ResourceNames is not null)
                {
                    Strings("resourceNames", rule.ResourceNames);
                }

                Strings("resources", rule.Resources);
            }

            Strings("verbs", rule.Verbs);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        End();
    }

    private void WriteBinding(BindingModel b, NamespaceModel? ns)
    {
        Begin("rbac.authorization.k8s.io/v1", ns is null ? "ClusterRoleBinding" : "RoleBinding");
        Metadata(b.Name, ns?.Name, _r.Uid(), ns?.AgeDays ?? 412,
            b.Name.StartsWith("system:", StringComparison.Ordinal) ? [L("kubernetes.io/bootstrapping", "rbac-defaults")] : null);
        _w.WriteStartObject("roleRef");
        _w.WriteString("apiGroup", "rbac.authorization.k8s.io");
        _w.WriteString("kind", b.RoleKind);
        _w.WriteString("name", b.RoleName);
        _w.WriteEndObject();
        _w.WriteStartArray("subjects");
        foreach (var s in b.Subjects)
        {
            _w.WriteStartObject();
            if (s.Kind != "ServiceAccount")
            {
                _w.WriteString("apiGroup", "rbac.authorization.k8s.io");
            }

            _w.WriteString("kind", s.Kind);
            _w.WriteString("name", s.Name);
            if (s.Namespace is not null)
            {
                _w.WriteString("namespace", s.Namespace);
            }

            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        End();
    }

    private void WriteNetworkPolicy(NamespaceModel ns, NetworkPolicyModel p)
    {
        Begin("networking.k8s.io/v1", "NetworkPolicy");
        Metadata(p.Name, ns.Name, _r.Uid(), ns.AgeDays * 0.7, null, null, generation: 1);
        _w.WriteStartObject("spec");
        switch (p.Flavor)
        {
            case "deny-all" or "deny-ingress":
                _w.WriteStartObject("podSelector");
                _w.WriteEndObject();
                Strings("policyTypes", p.Flavor == "deny-all" ? ["Ingress", "Egress"] : ["Ingress"]);
                break;
            case "allow-dns":
                _w.WriteStartArray("egress");
                _w.WriteStartObject();
                _w.WriteStartArray("ports");
                foreach (var proto in new[] { "UDP", "TCP" })
                {
                    _w.WriteStartObject();
                    _w.WriteNumber("port", 53);
                    _w.WriteString("protocol", proto);
                    _w.WriteEndObject();
                }

                _w.WriteEndArray();
                _w.WriteStartArray("to");
                _w.WriteStartObject();
                _w.WriteStartObject("namespaceSelector");
                Map("matchLabels", [L("kubernetes.io/metadata.name", "kube-system")]);
                _w.WriteEndObject();
                _w.WriteStartObject("podSelector");
                Map("matchLabels", [L("app.kubernetes.io/name", "coredns")]);
                _w.WriteEndObject();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteStartObject("podSelector");
                _w.WriteEndObject();
                Strings("policyTypes", ["Egress"]);
                break;
            default:
                _w.WriteStartArray("ingress");
                _w.WriteStartObject();
                _w.WriteStartArray("from");
                _w.WriteStartObject();
                _w.WriteStartObject("namespaceSelector");
                Map("matchLabels", [L("kubernetes.io/metadata.name", p.Flavor == "allow-monitoring" ? "monitoring" : "ingress-nginx")]);
                _w.WriteEndObject();
                _w.WriteEndObject();
                if (p.Flavor == "allow-app")
                {
                    _w.WriteStartObject();
                    _w.WriteStartObject("podSelector");
                    Map("matchLabels", [L("app.kubernetes.io/part-of", ns.Team ?? ns.Name)]);
                    _w.WriteEndObject();
                    _w.WriteEndObject();
                }

                _w.WriteEndArray();
                _w.WriteStartArray("ports");
                _w.WriteStartObject();
                _w.WriteNumber("port", p.Flavor == "allow-monitoring" ? 9090 : p.Port);
                _w.WriteString("protocol", "TCP");
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteStartObject("podSelector");
                if (p.App is not null)
                {
                    Map("matchLabels", [L("app.kubernetes.io/name", p.App)]);
                }

                _w.WriteEndObject();
                Strings("policyTypes", ["Ingress"]);
                break;
        }

        _w.WriteEndObject();
        End();
    }

    private void WriteLimitRange(NamespaceModel ns)
    {
        Begin("v1", "LimitRange");
        Metadata("default-limits", ns.Name, _r.Uid(), ns.AgeDays * 0.95);
        _w.WriteStartObject("spec");
        _w.WriteStartArray("limits");
        _w.WriteStartObject();
        Map("default", [L("cpu", "500m"), L("memory", "512Mi")]);
        Map("defaultRequest", [L("cpu", "100m"), L("memory", "128Mi")]);
        Map("max", [L("cpu", "4"), L("memory", "8Gi")]);
        _w.WriteString("type", "Container");
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        End();
    }

    private void WriteQuota(NamespaceModel ns)
    {
        Begin("v1", "ResourceQuota");
        Metadata("compute-quota", ns.Name, _r.Uid(), ns.AgeDays * 0.95);
        KeyValuePair<string, string>[] hard = [L("limits.cpu", "40"), L("limits.memory", "128Gi"), L("pods", "100"), L("requests.cpu", "20"), L("requests.memory", "64Gi")];
        _w.WriteStartObject("spec");
        Map("hard", hard);
        _w.WriteEndObject();
        _w.WriteStartObject("status");
        Map("hard", hard);
        Map("used", [L("limits.cpu", $"{_r.Int(1, 30)}"), L("limits.memory", $"{_r.Int(1, 90)}Gi"), L("pods", I(_r.Int(3, 60))),
            L("requests.cpu", $"{_r.Int(100, 9000)}m"), L("requests.memory", $"{_r.Int(1, 40)}Gi")]);
        _w.WriteEndObject();
        End();
    }

    private void WriteIngress(NamespaceModel ns, IngressModel i)
    {
        Begin("networking.k8s.io/v1", "Ingress");
        Metadata(i.Name, ns.Name, _r.Uid(), ns.AgeDays * 0.6, [L("app.kubernetes.io/name", i.Service)],
            i.Tls ? [L("cert-manager.io/cluster-issuer", "letsencrypt-prod"), L("nginx.ingress.kubernetes.io/ssl-redirect", "true")]
                : [L("nginx.ingress.kubernetes.io/proxy-body-size", "8m")], generation: 1);
        _w.WriteStartObject("spec");
        _w.WriteString("ingressClassName", "nginx");
        _w.WriteStartArray("rules");
        _w.WriteStartObject();
        _w.WriteString("host", i.Host);
        _w.WriteStartObject("http");
        _w.WriteStartArray("paths");
        _w.WriteStartObject();
        _w.WriteStartObject("backend");
        _w.WriteStartObject("service");
        _w.WriteString("name", i.Service);
        _w.WriteStartObject("port");
        _w.WriteNumber("number", 80);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("path", "/");
        _w.WriteString("pathType", "Prefix");
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteEndArray();
        if (i.Tls)
        {
            _w.WriteStartArray("tls");
            _w.WriteStartObject();
            Strings("hosts", [i.Host]);
            _w.WriteString("secretName", i.Service + "-tls");
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        _w.WriteEndObject();
        _w.WriteStartObject("status");
        _w.WriteStartObject("loadBalancer");
        _w.WriteStartArray("ingress");
        _w.WriteStartObject();
        _w.WriteString("hostname", "k8s-ingressn-ingressn-1a2b3c4d5e.elb.eu-west-1.amazonaws.com");
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteEndObject();
        End();
    }
}
