using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-003: hostPort usage (CATALOG.md §2).</summary>
public sealed class HostPorts : WorkloadCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-003",
        Title = "hostPort usage",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement; Network separation → Worker node segmentation (limit exposed node ports)",
        Target = CheckTarget.Container,
        Rationale = "A hostPort opens a port on the node's own address, outside Services and often outside " +
                    "NetworkPolicy and cloud firewall rules meant for the node, and pins the pod to nodes where the port is free.",
        Remediation = "Expose the workload through a Service (ClusterIP/LoadBalancer) or an Ingress/Gateway and drop hostPort.",
        FixYaml = """
            ports:
            - containerPort: 8443   # no hostPort
            """,
        References = new(["C-0044"], ["hostPortSet"], "Baseline", ["5.2.12"]),
    };

    protected override bool AppliesToWindows => true;

    // Ephemeral containers cannot declare ports, so controller-owned pods that only carry them add nothing.
    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        // Since 1.28 the API fills hostPort = containerPort only on Pod objects, not templates: treat every declared
        // port of a hostNetwork pod spec as a host port (CATALOG.md KH-POD-003 edge cases).
        var hostNetwork = workload.PodSpec.Bool("hostNetwork") == true;
        const string rootCause = " (root cause: KH-POD-002 hostNetwork)";
        foreach (var c in workload.AllContainers)
        {
            if (c.Type == ContainerType.Ephemeral)
            {
                continue;
            }

            var i = 0;
            foreach (var port in c.Json.Items("ports"))
            {
                var index = i++;
                var hostPort = port.Long("hostPort");
                var portPath = $"{c.Path}.ports[{index}]";
                var key = $"port:{port.Str("protocol") ?? "TCP"}/{port.Str("containerPort")}"; // stable when ports are reordered
                if (hostPort is { } hp && hp != 0)
                {
                    unit.Fail($"{EffectiveSecurityContext.Describe(c)} binds hostPort {hp} on the node{(hostNetwork ? rootCause : "")}",
                        portPath + ".hostPort", hp.ToString(System.Globalization.CultureInfo.InvariantCulture), c, key: key);
                }
                else if (hostNetwork && port.Long("containerPort") is { } cp)
                {
                    unit.Fail($"{EffectiveSecurityContext.Describe(c)} declares containerPort {cp}, which is a port on the node because the pod uses hostNetwork{rootCause}",
                        portPath + ".containerPort", cp.ToString(System.Globalization.CultureInfo.InvariantCulture), c, key: key);
                }
            }
        }
    }
}
