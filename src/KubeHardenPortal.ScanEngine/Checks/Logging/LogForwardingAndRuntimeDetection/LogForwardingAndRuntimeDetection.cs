using System.Text.Json;
using System.Text.Json.Serialization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Logging;

/// <summary>
/// KH-LOG-004: a node-level log forwarder and a runtime threat-detection sensor run as healthy DaemonSets
/// (CATALOG.md §5). Heuristic: agents are recognised by image (Data/node-agents.json plus the tenant's patterns).
/// Units: the cluster (is each category present?) and each recognised agent DaemonSet (ready on every Linux node?).
/// Agents live in system namespaces, so namespace exclusions do not apply.
/// </summary>
public sealed class LogForwardingAndRuntimeDetection : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-LOG-004",
        Title = "Log forwarding and runtime threat detection deployed",
        Severity = Severity.Low,
        Section = GuideSections.Logging,
        GuideReference = "Audit logging → Worker node and container logging, Syslog, SIEM platforms, Threat detection, Alerting, Tools",
        Target = CheckTarget.Cluster,
        Rationale = "Logs that stay on a node disappear with it and can be altered by whoever compromises it, and " +
                    "without a runtime sensor nobody sees a shell spawned in a container or an unexpected binary. " +
                    "An agent that is not ready, or not scheduled on some nodes, leaves exactly those nodes blind.",
        Remediation = "Deploy a node-level log forwarder to the SIEM (TLS, append-only sink) and a runtime sensor as " +
                      "DaemonSets that tolerate every node; alert on the guide's indicators (privileged pod creation, " +
                      "exec, RBAC changes, anonymous use, requests from pod IPs, storage exhaustion). Register in-house " +
                      "agent images in the tenant settings.",
        FixYaml = """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: log-forwarder, namespace: logging}
            spec:
              selector: {matchLabels: {app: log-forwarder}}
              template:
                metadata: {labels: {app: log-forwarder}}
                spec:
                  tolerations: [{operator: Exists}]
                  containers: [{name: fwd, image: registry.example.org/obs/log-forwarder:3.1.0}]
            """,
        References = CheckReferences.None,
        Collectors = ['a', 'b'],
    };

    internal sealed record AgentEntry(string Name, IReadOnlyList<string> Images);

    internal sealed record AgentData(
        IReadOnlyList<AgentEntry> LogShipping,
        IReadOnlyList<AgentEntry> RuntimeDetection,
        IReadOnlyList<AgentEntry> Infrastructure);

    private static readonly Lazy<AgentData> Agents = new(() => DataJson.Load("node-agents.json", AgentDataJson.Default.AgentData));

    private sealed record Category(string Key, string Label, string Examples, IReadOnlyList<AgentEntry> Known, IReadOnlyList<string> Tenant);

    private sealed record Recognised(KubeObject DaemonSet, string Agent, Category Category);

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var data = Agents.Value;
        var o = context.Options;
        Category[] categories =
        [
            new("log-shipping", "log-shipping", "Fluent Bit, Fluentd, Vector, Alloy, Filebeat, OpenTelemetry Collector", data.LogShipping, o.LogAgentImagePatterns),
            new("runtime-detection", "runtime threat-detection", "Falco, Tetragon, Tracee, KubeArmor, kubescape node-agent", data.RuntimeDetection, o.RuntimeSensorImagePatterns),
        ];

        var recognised = new List<Recognised>();
        var unrecognised = new List<string>();
        foreach (var ds in context.OfKind("DaemonSet"))
        {
            var repos = TemplateRepositories(ds);
            var any = false;
            foreach (var c in categories)
            {
                if (Identify(c, repos) is { } agent)
                {
                    recognised.Add(new Recognised(ds, agent, c));
                    any = true;
                }
            }

            if (!any && !repos.Any(r => data.Infrastructure.Any(e => Glob.AnyMatch(e.Images, r))))
            {
                unrecognised.Add($"{ds.Namespace}/{ds.Name}");
            }
        }

        var cluster = results.Begin(context.ClusterRef);
        foreach (var c in categories)
        {
            if (recognised.Any(r => r.Category == c))
            {
                continue;
            }

            if (context.IsManifestScan)
            {
                cluster.Unknown($"no recognised {c.Label} agent in the scanned manifests; only a cluster scan shows what runs");
            }
            else if (!context.Snapshot.IsComplete("daemonsets"))
            {
                cluster.Unknown("daemonsets were not collected");
            }
            else if (unrecognised.Count > 0)
            {
                cluster.Unknown($"no recognised {c.Label} agent; unrecognised DaemonSets may be one " +
                                $"({string.Join(", ", unrecognised.Take(5))}{(unrecognised.Count > 5 ? ", …" : "")}): register their images in the tenant settings");
            }
            else
            {
                cluster.Fail($"no {c.Label} agent runs as a DaemonSet (recognised: {c.Examples}, or the tenant's registered images)",
                    key: c.Key);
            }
        }

        if (recognised.Count == 0)
        {
            return;
        }

        var coverage = new NodeCoverage(context);
        foreach (var group in recognised.GroupBy(r => r.DaemonSet))
        {
            var unit = results.Begin(group.Key);
            EvaluateHealth(group.Key, string.Join(" / ", group.Select(r => r.Agent).Distinct()), coverage, unit);
        }
    }

    private static string? Identify(Category c, List<string> repos)
    {
        foreach (var repo in repos)
        {
            if (Glob.AnyMatch(c.Tenant, repo))
            {
                return "tenant-registered " + c.Label + " agent";
            }

            foreach (var e in c.Known)
            {
                if (Glob.AnyMatch(e.Images, repo))
                {
                    return e.Name;
                }
            }
        }

        return null;
    }

    private static List<string> TemplateRepositories(KubeObject ds)
    {
        var spec = ds.Json.Get("spec").Get("template").Get("spec");
        var list = new List<string>();
        foreach (var field in (ReadOnlySpan<string>)["containers", "initContainers"])
        {
            foreach (var c in spec.Items(field))
            {
                if (c.Str("image") is { Length: > 0 } image)
                {
                    list.Add(ImageReference.Parse(image).Repository);
                }
            }
        }

        return list;
    }

    private static void EvaluateHealth(KubeObject ds, string agent, NodeCoverage coverage, Unit unit)
    {
        var status = ds.Json.Get("status");
        var desired = status.Long("desiredNumberScheduled");
        if (desired is null)
        {
            unit.Unknown($"{agent} DaemonSet has no status (manifest, or status not collected): readiness unknown");
            return;
        }

        var ready = status.Long("numberReady") ?? 0;
        if (desired == 0)
        {
            unit.Fail($"{agent} DaemonSet is scheduled on no node (status.desiredNumberScheduled: 0)",
                "status.desiredNumberScheduled", "0", key: "readiness");
            return;
        }

        if (ready != desired)
        {
            unit.Fail($"{agent} DaemonSet has {ready} of {desired} pods ready: nodes without a ready agent are not covered",
                "status.numberReady", ready.ToString(System.Globalization.CultureInfo.InvariantCulture), key: "readiness");
        }

        if (IsWindowsOnly(ds))
        {
            return;
        }

        if (coverage.Gaps(ds, desired.Value) is { Missing: > 0 } gap)
        {
            var names = gap.Named.Count == 0
                ? " (the DaemonSet's pods are not in the snapshot, so the nodes cannot be named)"
                : ": " + string.Join(", ", gap.Named.Take(10)) + (gap.Named.Count > 10 ? $", … ({gap.Named.Count - 10} more)" : "");
            unit.Fail($"{agent} DaemonSet does not run on {gap.Missing} of {gap.LinuxNodes} Linux nodes{names}",
                "status.desiredNumberScheduled", desired.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), key: "coverage");
        }
    }

    private static bool IsWindowsOnly(KubeObject ds) =>
        string.Equals(ds.Json.Get("spec").Get("template").Get("spec").Get("nodeSelector").Str("kubernetes.io/os"), "windows",
            StringComparison.OrdinalIgnoreCase);

    /// <summary>Linux nodes, and the nodes each DaemonSet's pods run on (built once per scan of this check).</summary>
    private sealed class NodeCoverage
    {
        private readonly List<string> _linuxNodes = [];
        private readonly Dictionary<string, HashSet<string>> _podNodesByOwner = new(StringComparer.Ordinal);
        private readonly bool _podsComplete;

        public NodeCoverage(ScanContext context)
        {
            foreach (var node in context.OfKind("Node"))
            {
                var os = node.Labels.GetValueOrDefault("kubernetes.io/os") ?? node.Json.Get("status").Get("nodeInfo").Str("operatingSystem");
                if ((os is null || os == "linux") && !IsVirtual(node))
                {
                    _linuxNodes.Add(node.Name);
                }
            }

            _podsComplete = !context.IsManifestScan && context.Snapshot.IsComplete("pods");
            if (!_podsComplete || _linuxNodes.Count == 0)
            {
                return;
            }

            foreach (var pod in context.OfKind("Pod"))
            {
                var nodeName = pod.Json.Get("spec").Str("nodeName");
                if (string.IsNullOrEmpty(nodeName))
                {
                    continue;
                }

                foreach (var owner in pod.Metadata.Items("ownerReferences"))
                {
                    if (owner.Str("kind") != "DaemonSet")
                    {
                        continue;
                    }

                    var key = owner.Str("uid") ?? $"{pod.Namespace}/{owner.Str("name")}";
                    if (!_podNodesByOwner.TryGetValue(key, out var set))
                    {
                        _podNodesByOwner[key] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(nodeName);
                }
            }
        }

        /// <summary>Linux nodes without a pod of the DaemonSet: how many, and their names when the pods are known.</summary>
        public (int Missing, int LinuxNodes, IReadOnlyList<string> Named) Gaps(KubeObject ds, long desired)
        {
            if (_linuxNodes.Count == 0)
            {
                return (0, 0, []);
            }

            if (_podsComplete &&
                ((ds.Uid is not null && _podNodesByOwner.TryGetValue(ds.Uid, out var nodes)) ||
                 _podNodesByOwner.TryGetValue($"{ds.Namespace}/{ds.Name}", out nodes)))
            {
                var missing = _linuxNodes.Where(n => !nodes.Contains(n)).ToList();
                return (missing.Count, _linuxNodes.Count, missing);
            }

            // Without the agent's pods only the count is known.
            return (Math.Max(0, _linuxNodes.Count - (int)Math.Min(desired, int.MaxValue)), _linuxNodes.Count, []);
        }

        private static bool IsVirtual(KubeObject node) =>
            (node.Labels.TryGetValue("type", out var t) && t == "virtual-kubelet") ||
            (node.Labels.TryGetValue("eks.amazonaws.com/compute-type", out var ct) && ct == "fargate");
    }
}

/// <summary>Source-generated serialisation metadata for Data/node-agents.json (works in trimmed/AOT hosts).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(LogForwardingAndRuntimeDetection.AgentData))]
internal sealed partial class AgentDataJson : JsonSerializerContext;
