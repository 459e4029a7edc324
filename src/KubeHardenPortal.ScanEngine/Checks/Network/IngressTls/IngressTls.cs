using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-019: externally exposed HTTP endpoints use TLS (CATALOG.md §3).</summary>
public sealed class IngressTls : Check
{
    private const string GatewayGroup = "gateway.networking.k8s.io";

    // Provider annotations that terminate TLS on a Service's cloud load balancer.
    private static readonly string[] LoadBalancerTlsAnnotations =
    [
        "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
        "service.beta.kubernetes.io/do-loadbalancer-certificate-id",
        "service.beta.kubernetes.io/oci-load-balancer-ssl-ports",
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-cert-id",
        "service.beta.kubernetes.io/scw-loadbalancer-certificate-ids",
        "load-balancer.hetzner.cloud/http-certificates",
        "service.beta.kubernetes.io/linode-loadbalancer-default-protocol",
        "kubernetes.io/elb.cert-id",
    ];

    // Only explicit old values: when unset, the Go default of every supported release is already TLS 1.2.
    private static readonly HashSet<string> OldTlsVersions = new(StringComparer.Ordinal) { "VersionTLS10", "VersionTLS11" };

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-019",
        Title = "TLS on externally exposed HTTP endpoints",
        Severity = Severity.Medium,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Encryption (TLS 1.2/1.3 for traffic in and to the cluster)",
        Target = CheckTarget.Object,
        Rationale = "Plain HTTP exposes credentials, session cookies and data to anyone on the path, and lets them " +
                    "modify responses. Every host an Ingress or Gateway serves should be covered by a TLS certificate.",
        Remediation = "Add a tls section covering every host of the Ingress (or HTTPS listeners with certificateRefs on " +
                      "the Gateway, with HTTP listeners only redirecting to HTTPS); terminate TLS on cloud load balancers " +
                      "with the provider's certificate annotation.",
        FixYaml = """
            spec:
              tls:
              - hosts: ["shop.example.org"]
                secretName: shop-tls
            """,
        References = new(["C-0231", "C-0245"], ["tlsSettingsMissing"], null, []),
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        AdviseTlsMinVersion(context, results);
        foreach (var ing in context.OfKind("Ingress"))
        {
            if (context.IsExcluded(ing.Namespace))
            {
                results.Excluded(ing);
                continue;
            }

            EvaluateIngress(ing, results.Begin(ing));
        }

        var routesComplete = context.Snapshot.IsComplete("httproutes." + GatewayGroup);
        foreach (var gw in context.OfKind("Gateway"))
        {
            if (gw.Group != GatewayGroup)
            {
                continue; // e.g. Istio's networking.istio.io Gateway has another shape
            }

            if (context.IsExcluded(gw.Namespace))
            {
                results.Excluded(gw);
                continue;
            }

            EvaluateGateway(context, gw, routesComplete, results.Begin(gw));
        }

        foreach (var svc in context.OfKind("Service"))
        {
            if (svc.Json.Get("spec").Str("type") != "LoadBalancer")
            {
                continue;
            }

            if (context.IsExcluded(svc.Namespace))
            {
                results.Excluded(svc);
                continue;
            }

            var unit = results.Begin(svc);
            if (!LoadBalancerTlsAnnotations.Any(svc.Annotations.ContainsKey))
            {
                unit.Unknown("LoadBalancer Service without a provider TLS annotation: the application may terminate TLS itself; attest it");
            }
        }
    }

    /// <summary>Rule 4 (advisory): API server --tls-min-version and kubelet tlsMinVersion below TLS 1.2.</summary>
    private static void AdviseTlsMinVersion(ScanContext context, CheckResults results)
    {
        foreach (var api in context.ControlPlane.ApiServers)
        {
            if (api["tls-min-version"] is { } v && OldTlsVersions.Contains(v))
            {
                results.Advise(api.Pod.Ref, api.Pod.Source, $"kube-apiserver {api.Pod.Name} accepts {v}: set --tls-min-version=VersionTLS12 or later",
                    api.EvidencePath, "--tls-min-version=" + v, "tls-min-version");
            }
        }

        foreach (var (node, source, cfg) in KubeletCheck.CollectedConfigs(context))
        {
            if (cfg.Str("tlsMinVersion") is { } v && OldTlsVersions.Contains(v))
            {
                results.Advise(node, source, $"kubelet on {node.Name} accepts {v}: set tlsMinVersion: VersionTLS12 or later",
                    "configz.kubeletconfig.tlsMinVersion", v, "tlsMinVersion");
            }
        }
    }

    private static void EvaluateIngress(KubeObject ing, Unit unit)
    {
        var spec = ing.Json.Get("spec");
        var tls = spec.Items("tls").ToList();
        if (tls.Count == 0)
        {
            unit.Fail("the Ingress has no tls section: its hosts are served over plain HTTP", "spec.tls", "<unset>", key: "no-tls");
            return;
        }

        // A tls entry without hosts covers the controller's wildcard (every host).
        if (tls.Any(t => t.Get("hosts").Count() == 0))
        {
            return;
        }

        var tlsHosts = tls.SelectMany(t => t.Strings("hosts")).ToList();
        var uncovered = new List<string>();
        foreach (var rule in spec.Items("rules"))
        {
            // A rule without a host has nothing to list in tls.hosts.
            if (rule.Str("host") is { Length: > 0 } host && !tlsHosts.Any(t => Covers(t, host)))
            {
                uncovered.Add(host);
            }
        }

        if (uncovered.Count > 0)
        {
            unit.Fail($"host(s) {string.Join(", ", uncovered)} are not listed in any spec.tls[*].hosts, so they are served without TLS",
                "spec.tls", string.Join(", ", uncovered), key: "uncovered-hosts");
        }
    }

    /// <summary>Host coverage as a certificate would: exact (case-insensitive), or a wildcard for one left-most label.</summary>
    internal static bool Covers(string tlsHost, string host)
    {
        if (string.Equals(tlsHost, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (tlsHost.StartsWith("*.", StringComparison.Ordinal))
        {
            var dot = host.IndexOf('.');
            return dot > 0 && !host.StartsWith("*.", StringComparison.Ordinal) &&
                   string.Equals(host[(dot + 1)..], tlsHost[2..], StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    private static void EvaluateGateway(ScanContext context, KubeObject gw, bool routesComplete, Unit unit)
    {
        var i = 0;
        var httpListeners = 0;
        foreach (var l in gw.Json.Get("spec").Items("listeners"))
        {
            var name = l.Str("name") ?? $"#{i}";
            var path = $"spec.listeners[{i}]";
            switch (l.Str("protocol"))
            {
                case "HTTP":
                    httpListeners++;
                    switch (RedirectsOnly(context, gw, l))
                    {
                        case true:
                            break;
                        case false:
                            unit.Fail($"listener \"{name}\" serves plain HTTP (port {l.Str("port")}) and is not solely an HTTP→HTTPS redirect",
                                path + ".protocol", "HTTP", key: "listener:" + name);
                            break;
                        default:
                            if (routesComplete)
                            {
                                goto case false;
                            }

                            unit.Unknown($"listener \"{name}\" serves HTTP and HTTPRoutes were not collected, so a redirect cannot be confirmed");
                            break;
                    }

                    break;
                case "HTTPS":
                    httpListeners++;
                    RequireCertificates(l, name, path, unit);
                    break;
                case "TLS":
                    httpListeners++;
                    if (l.Get("tls").Str("mode") != "Passthrough")
                    {
                        RequireCertificates(l, name, path, unit);
                    }

                    break;
            }

            i++;
        }

        if (httpListeners == 0)
        {
            unit.NotApplicable("the Gateway has no HTTP, HTTPS or TLS listener");
        }
    }

    private static void RequireCertificates(CompactJson listener, string name, string path, Unit unit)
    {
        if (listener.Get("tls").Get("certificateRefs").Count() == 0)
        {
            unit.Fail($"listener \"{name}\" ({listener.Str("protocol")}) has no tls.certificateRefs", path + ".tls.certificateRefs", "<unset>",
                key: "listener:" + name);
        }
    }

    /// <summary>
    /// True when every HTTPRoute attached to the listener only redirects to https; false when some route serves
    /// content (or none is attached); null when no attached route was found and routes may not have been collected.
    /// </summary>
    private static bool? RedirectsOnly(ScanContext context, KubeObject gw, CompactJson listener)
    {
        var listenerName = listener.Str("name");
        var listenerPort = listener.Long("port");
        var attached = 0;
        foreach (var route in context.OfKind("HTTPRoute"))
        {
            if (route.Group != GatewayGroup || !AttachesTo(route, gw, listenerName, listenerPort))
            {
                continue;
            }

            attached++;
            var rules = route.Json.Get("spec").Items("rules").ToList();
            if (rules.Count == 0 || !rules.All(IsHttpsRedirect))
            {
                return false;
            }
        }

        return attached > 0 ? true : null;
    }

    private static bool AttachesTo(KubeObject route, KubeObject gw, string? listenerName, long? listenerPort)
    {
        foreach (var parent in route.Json.Get("spec").Items("parentRefs"))
        {
            var kind = parent.Str("kind") ?? "Gateway";
            var group = parent.Str("group") ?? GatewayGroup;
            var ns = parent.Str("namespace") ?? route.Namespace;
            if (kind != "Gateway" || group != GatewayGroup || parent.Str("name") != gw.Name || ns != gw.Namespace)
            {
                continue;
            }

            if (parent.Str("sectionName") is { } section && section != listenerName)
            {
                continue;
            }

            if (parent.Long("port") is { } port && port != listenerPort)
            {
                continue;
            }

            return true;
        }

        return false;
    }

    private static bool IsHttpsRedirect(CompactJson rule) =>
        rule.Items("filters").Any(f => f.Str("type") == "RequestRedirect" && f.Get("requestRedirect").Str("scheme") == "https");
}
