using System.Net;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-012: the API server endpoint is not exposed to untrusted networks (CATALOG.md §3).</summary>
public sealed class ApiServerEndpointExposure : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-012",
        Title = "API server endpoint not exposed to untrusted networks",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Control plane hardening (API server not reachable from the internet; firewall the control-plane ports)",
        Target = CheckTarget.Cluster,
        Rationale = "An API server reachable from the internet is exposed to credential stuffing, token theft replay and " +
                    "every pre-authentication vulnerability; restricting it to private networks or an allowlist of admin " +
                    "CIDRs removes that attack surface.",
        Remediation = "Restrict the endpoint to private networks or an allowlist of admin CIDRs (EKS private endpoint or " +
                      "publicAccessCidrs, GKE private endpoint or master authorized networks, AKS private cluster or " +
                      "authorized IP ranges, firewalls for self-managed control planes).",
        FixYaml = """
            # EKS (eksctl ClusterConfig fragment)
            vpc:
              clusterEndpoints: {privateAccess: true, publicAccess: false}
            """,
        References = new([], [], null, []),
        Collectors = ['g', 'a'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        if (context.IsManifestScan)
        {
            results.Unknown(context.ClusterRef, "API server endpoint addresses are not part of manifests");
            return;
        }

        if (ManagedProvider(context) is { } provider)
        {
            results.Unknown(context.ClusterRef,
                $"{provider}: endpoint access (public endpoint, allowed CIDRs, private cluster) is a cloud setting read through the cloud API (collector g), which the snapshot does not carry");
            return;
        }

        var found = false;
        foreach (var ep in context.OfKind("Endpoints"))
        {
            if (ep.Namespace != "default" || ep.Name != "kubernetes")
            {
                continue;
            }

            found = true;
            var i = 0;
            foreach (var subset in ep.Json.Items("subsets"))
            {
                var j = 0;
                foreach (var a in subset.Items("addresses"))
                {
                    if (IsPublic(a.Str("ip")))
                    {
                        results.Begin(ep).Fail(
                            $"the API server advertises the public address {a.Str("ip")}: verify that firewalls restrict it to trusted networks",
                            $"subsets[{i}].addresses[{j}].ip", a.Str("ip"));
                        return;
                    }

                    j++;
                }

                i++;
            }
        }

        foreach (var slice in context.OfKind("EndpointSlice"))
        {
            if (slice.Namespace != "default" || !slice.Labels.TryGetValue("kubernetes.io/service-name", out var svc) || svc != "kubernetes")
            {
                continue;
            }

            found = true;
            var i = 0;
            foreach (var e in slice.Json.Items("endpoints"))
            {
                var j = 0;
                foreach (var a in e.Strings("addresses"))
                {
                    if (IsPublic(a))
                    {
                        results.Begin(slice).Fail(
                            $"the API server advertises the public address {a}: verify that firewalls restrict it to trusted networks",
                            $"endpoints[{i}].addresses[{j}]", a);
                        return;
                    }

                    j++;
                }

                i++;
            }
        }

        if (!found && !context.Snapshot.IsComplete("endpoints") && !context.Snapshot.IsComplete("endpointslices"))
        {
            results.Unknown(context.ClusterRef, "the default/kubernetes Endpoints and EndpointSlices were not collected");
            return;
        }

        // An API server bound only to loopback is not reachable from any network.
        var apis = context.ControlPlane.ApiServers;
        if (apis.Count > 0 && !context.ControlPlane.IsManaged && apis.All(a => IsLoopback(a["bind-address"])))
        {
            results.Begin(context.ClusterRef);
            return;
        }

        results.Unknown(context.ClusterRef,
            "the API server addresses are private; whether untrusted networks can reach them depends on firewalls and load balancers outside the cluster: attest the firewall rules (KH-MAN-002)");
    }

    private static bool IsPublic(string? ip) => IPAddress.TryParse(ip, out var a) && IpAddressClass.IsPublic(a);

    private static bool IsLoopback(string? ip) => IPAddress.TryParse(ip, out var a) && IPAddress.IsLoopback(a);

    /// <summary>Managed control planes, recognised from the snapshot header, server version suffix or node labels.</summary>
    internal static string? ManagedProvider(ScanContext context)
    {
        var provider = context.Snapshot.Cluster.Provider?.ToLowerInvariant();
        switch (provider)
        {
            case "eks" or "aws":
                return "EKS";
            case "gke" or "gcp" or "google":
                return "GKE";
            case "aks" or "azure":
                return "AKS";
        }

        var version = context.Snapshot.Cluster.ServerGitVersion ?? "";
        if (version.Contains("-eks-", StringComparison.Ordinal))
        {
            return "EKS";
        }

        if (version.Contains("-gke.", StringComparison.Ordinal))
        {
            return "GKE";
        }

        foreach (var node in context.OfKind("Node"))
        {
            if (node.Labels.ContainsKey("eks.amazonaws.com/nodegroup") || node.Labels.ContainsKey("eks.amazonaws.com/compute-type"))
            {
                return "EKS";
            }

            if (node.Labels.ContainsKey("cloud.google.com/gke-nodepool"))
            {
                return "GKE";
            }

            if (node.Labels.ContainsKey("kubernetes.azure.com/cluster"))
            {
                return "AKS";
            }
        }

        return context.Snapshot.Cluster.ControlPlane == ControlPlaneVisibility.Managed ? "managed control plane" : null;
    }
}
