using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-015: unsafe sysctls, unmasked /proc, host override in probes and lifecycle hooks (CATALOG.md §2).</summary>
public sealed class UnsafeSysctlsProcMountProbes : WorkloadCheck
{
    private static readonly string[] Probes = ["livenessProbe", "readinessProbe", "startupProbe"];
    private static readonly (string Hook, string Name)[] Hooks = [("postStart", "lifecycle.postStart"), ("preStop", "lifecycle.preStop")];
    private static readonly string[] Actions = ["httpGet", "tcpSocket"];

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-015",
        Title = "Unsafe sysctls, unmasked /proc, host override in probes",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement; Hardening container environments",
        Target = CheckTarget.PodSpec,
        Rationale = "Sysctls outside the namespaced safe set change kernel behaviour for the whole node; procMount: " +
                    "Unmasked exposes /proc paths the runtime hides; a probe or lifecycle hook with a host field makes " +
                    "the kubelet connect from the node to an arbitrary address.",
        Remediation = "Remove unsafe sysctls (tune the node instead), procMount: Unmasked, and the host field of probes and hooks.",
        FixYaml = """
            livenessProbe:
              httpGet: {path: /healthz, port: 8080}   # no host:
            """,
        References = new(["C-0211"], ["procMount"], "Baseline", ["5.6.3"]),
        Collectors = ['a', 'e'],
    };

    // Probes and hooks apply to Windows pods; sysctls and procMount do not (CATALOG.md §1.6).
    protected override bool AppliesToWindows => true;

    protected override bool EvaluatesEphemeralOnlyPods => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        if (!workload.IsWindows && !workload.EphemeralOnly)
        {
            CheckSysctls(context, workload, unit);
        }

        // PSS Baseline ≥ 1.35 allows Unmasked for user-namespace pods (Restricted still rejects it).
        var policy135 = context.ServerVersion is not { } v || v.AtLeast(1, 35);
        var userNamespace = UsesUserNamespace(workload);
        foreach (var c in workload.AllContainers)
        {
            var who = Describe(c);
            if (!workload.IsWindows)
            {
                var procMount = Container(c, "procMount");
                if (procMount.Str == "Unmasked" && !(userNamespace && policy135))
                {
                    var why = userNamespace ? " (hostUsers: false allows it only from PSS policy 1.35)" : "";
                    unit.Fail($"{who} sets procMount: Unmasked, exposing /proc paths the runtime masks{why}", procMount.Path, "Unmasked", c, key: "procMount");
                }
                else if (procMount.Str == "Unmasked")
                {
                    // Rule 2 note: a pass here, but the pod is not Restricted-compliant.
                    unit.Advise($"{who} sets procMount: Unmasked in a user namespace (hostUsers: false): PSS Baseline 1.35+ allows it, " +
                                "PSS Restricted 1.35+ still rejects it", procMount.Path, "Unmasked", c, key: "procMount");
                }
                else if (procMount.IsSet && procMount.Str is not ("Default" or "Unmasked"))
                {
                    // Not a valid value: PSS Baseline accepts only unset or Default.
                    unit.Fail($"{who} sets procMount: {procMount.Observed}, which is not Default", procMount.Path, procMount.Observed, c, key: "procMount");
                }
            }

            foreach (var probe in Probes)
            {
                CheckHandler(unit, c, c.Json.Get(probe), probe, who);
            }

            foreach (var (hook, name) in Hooks)
            {
                CheckHandler(unit, c, c.Json.Get("lifecycle").Get(hook), name, who);
            }
        }
    }

    /// <summary><paramref name="name"/> is the handler's path below the container ("livenessProbe", "lifecycle.preStop").</summary>
    private static void CheckHandler(Unit unit, ContainerRef c, CompactJson handler, string name, string who)
    {
        if (handler.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return;
        }

        foreach (var action in Actions)
        {
            if (handler.Get(action).Str("host") is { Length: > 0 } host)
            {
                unit.Fail($"{who} {name} {action} sets host \"{host}\": the kubelet connects to it from the node",
                    $"{c.Path}.{name}.{action}.host", host, c, key: $"{name}.{action}.host");
            }
        }
    }

    private static void CheckSysctls(ScanContext context, Workload workload, Unit unit)
    {
        var i = 0;
        IReadOnlyList<PodNode>? nodes = null;
        foreach (var sysctl in workload.PodSecurityContext.Items("sysctls"))
        {
            var index = i++;
            var name = sysctl.Str("name") ?? "";
            if (SafeSysctls.IsSafe(name, context.ServerVersion))
            {
                continue;
            }

            var since = SafeSysctls.SafeSince(name) is { } m ? $" (safe only from Kubernetes 1.{m}; this cluster runs {context.ServerVersion})" : "";
            nodes ??= context.IsManifestScan ? [] : PodNodes.For(context).CandidatesFor(workload);
            unit.Fail($"pod sets the unsafe sysctl {name}{since}{NodesAllowing(nodes, SafeSysctls.Normalise(name))}",
                workload.Path($"securityContext.sysctls[{index}].name"), name, key: "sysctl:" + name);
        }
    }

    /// <summary>Edge case: unsafe sysctls run only where the kubelet's allowedUnsafeSysctls lists them.</summary>
    private static string NodesAllowing(IReadOnlyList<PodNode> nodes, string name)
    {
        var known = 0;
        var allowing = new List<string>();
        foreach (var n in nodes)
        {
            if (!n.HasConfig)
            {
                continue;
            }

            known++;
            foreach (var pattern in n.KubeletConfig.Strings("allowedUnsafeSysctls"))
            {
                var p = SafeSysctls.Normalise(pattern);
                if (p == name || (p.EndsWith('*') && name.StartsWith(p[..^1], StringComparison.Ordinal)))
                {
                    allowing.Add(n.Name);
                    break;
                }
            }
        }

        if (known == 0)
        {
            return "";
        }

        return allowing.Count == 0
            ? "; no node's kubelet allows it (allowedUnsafeSysctls), so the pod is rejected at start"
            : $"; allowed by the kubelet on {string.Join(", ", allowing.Take(5))}{(allowing.Count > 5 ? $" and {allowing.Count - 5} more" : "")}";
    }
}
