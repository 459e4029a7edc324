using System.Net;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-004: workloads cannot reach the cloud instance metadata endpoint (CATALOG.md §3).</summary>
public sealed class MetadataEgressBlocked : WorkloadCheck
{
    private const int MetadataPort = 80;

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-004",
        Title = "Egress to cloud instance metadata blocked",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Protecting sensitive cloud infrastructure",
        Target = CheckTarget.PodSpec,
        Rationale = "The instance metadata service (169.254.169.254) hands out the node's cloud credentials and bootstrap " +
                    "data to anything that can reach it. A pod whose egress is not isolated, or whose egress rules allow " +
                    "0.0.0.0/0 without an except for the metadata range, can steal them.",
        Remediation = "Exclude the metadata range wherever egress to the internet is allowed, and enforce IMDSv2 with hop " +
                      "limit 1 or the provider's metadata server (GKE Workload Identity) at node level.",
        FixYaml = """
            egress:
            - to:
              - ipBlock:
                  cidr: 0.0.0.0/0
                  except: ["169.254.169.254/32"]
            """,
        References = new([], [], null, []),
        Collectors = ['a', 'g'],
    };

    protected override bool AppliesToWindows => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        if (context.Options.NoCloudMetadataService)
        {
            unit.NotApplicable("the cluster is tagged on-premises without a cloud metadata service");
            return;
        }

        if (!context.IsManifestScan && !context.Snapshot.IsComplete("networkpolicies"))
        {
            unit.Unknown("NetworkPolicies were not collected (" + context.Snapshot.CoverageOf("networkpolicies").ToString().ToLowerInvariant() + ")");
            return;
        }

        var pod = PodEndpoint.FromWorkload(workload);
        if (pod.HostNetwork)
        {
            // Node-level protections (IMDSv2 hop limit, GKE metadata server) come from collector g, not in snapshots yet.
            unit.Fail("the pod uses hostNetwork: true, so NetworkPolicy cannot keep it from the cloud metadata endpoint",
                workload.Path("hostNetwork"), "true", key: "hostNetwork");
            return;
        }

        var engine = context.NetworkPolicies;
        var targets = Targets(context.Options);
        var notIsolatedReported = false;
        foreach (var address in targets)
        {
            var r = engine.EgressToAddress(pod, address, MetadataPort);
            switch (r.Outcome)
            {
                case AddressEgressOutcome.NotIsolated when !notIsolatedReported:
                    notIsolatedReported = true;
                    unit.Fail($"no egress policy selects the pod, so it can reach the cloud metadata endpoint {address} (TCP {MetadataPort})",
                        null, address.ToString(), key: "no-egress-policy");
                    break;
                case AddressEgressOutcome.Allowed:
                    unit.Fail($"egress to the cloud metadata endpoint {address} (TCP {MetadataPort}) is {r.Detail}",
                        null, address.ToString(), key: "allowed:" + address);
                    break;
                case AddressEgressOutcome.Unknown:
                    unit.Unknown($"egress to {address} cannot be decided: {r.Detail}");
                    break;
            }
        }

        if (!unit.HasFailures && engine.Cni.Verdict == CniEnforcement.NotEnforcing)
        {
            unit.Fail("the policies would block the metadata endpoint, but they are ineffective: " + engine.Cni.Reason, key: "ineffective");
        }
    }

    private static List<IPAddress> Targets(ScanOptions options)
    {
        var list = new List<IPAddress>();
        foreach (var t in options.MetadataEgressTargets)
        {
            var text = t.EndsWith("/32", StringComparison.Ordinal) || t.EndsWith("/128", StringComparison.Ordinal) ? t[..t.IndexOf('/')] : t;
            if (IPAddress.TryParse(text, out var a) && !list.Contains(a))
            {
                list.Add(a);
            }
        }

        return list;
    }
}
