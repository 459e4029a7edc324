using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-014: etcd traffic is encrypted and mutually authenticated (CATALOG.md §3).</summary>
public sealed class EtcdTls : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-014",
        Title = "etcd traffic encrypted and mutually authenticated",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Control plane hardening → Etcd (TLS between API server and etcd; etcd trusts only API server certs; separate CA)",
        Target = CheckTarget.ControlPlane,
        Rationale = "etcd holds every object of the cluster, Secrets included. Plain-text or unauthenticated client and " +
                    "peer connections let anyone on the network read or rewrite cluster state; a CA shared with the API " +
                    "server lets every client certificate of the cluster talk to etcd directly.",
        Remediation = "Configure TLS and client-certificate authentication on both sides: https etcd URLs and client " +
                      "certificates on the API server; cert/key, client-cert-auth and peer-client-cert-auth on etcd, no " +
                      "auto-tls, and a dedicated etcd CA.",
        FixYaml = """
            # kube-apiserver
            - --etcd-servers=https://10.0.0.10:2379
            - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
            - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
            - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
            # etcd
            - --client-cert-auth=true
            - --peer-client-cert-auth=true
            - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
            """,
        References = new(["C-0137", "C-0140", "C-0153", "C-0154", "C-0155", "C-0156", "C-0157", "C-0158", "C-0159"], [], null,
            ["1.2.23", "1.2.26", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"]),
        Collectors = ['d'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var cp = context.ControlPlane;
        if (cp.ApiServers.Count == 0 || cp.IsManaged)
        {
            results.Unknown(context.ClusterRef, cp.UnavailableReason ?? "kube-apiserver flags are not visible");
            return;
        }

        foreach (var api in cp.ApiServers)
        {
            EvaluateApiServer(api, results.Begin(api.Pod));
        }

        var members = cp.EtcdMembers;
        if (members.Count == 0)
        {
            results.Unknown(context.ClusterRef,
                "no etcd static pod is visible (external etcd): the etcd server, peer and CA sub-rules cannot be checked; attest them");
            return;
        }

        foreach (var etcd in members)
        {
            var unit = results.Begin(etcd.Pod);
            if (etcd.Has("config-file"))
            {
                unit.Unknown($"etcd reads its settings from --config-file={etcd["config-file"]}, which is not visible through the API");
                continue;
            }

            EvaluateEtcd(etcd, cp.ApiServers, unit);
        }
    }

    // Sub-rule 1: the API server talks to etcd over TLS with a client certificate.
    private static void EvaluateApiServer(ComponentFlags api, Unit unit)
    {
        var servers = api.List("etcd-servers");
        if (servers.Count == 0)
        {
            unit.Fail("--etcd-servers is not set", api.EvidencePath, "<unset>", key: "etcd-servers");
        }

        foreach (var s in servers)
        {
            if (!s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                unit.Fail($"--etcd-servers contains {s}: API server to etcd traffic is not encrypted", api.EvidencePath,
                    "--etcd-servers=" + api["etcd-servers"], key: "etcd-servers");
                break;
            }
        }

        foreach (var flag in new[] { "etcd-certfile", "etcd-keyfile", "etcd-cafile" })
        {
            if (string.IsNullOrWhiteSpace(api[flag]))
            {
                unit.Fail($"--{flag} is not set on the API server", api.EvidencePath, "<unset>", key: flag);
            }
        }
    }

    private static void EvaluateEtcd(ComponentFlags etcd, IReadOnlyList<ComponentFlags> apiServers, Unit unit)
    {
        // Sub-rule 2: client-facing TLS.
        RequirePresent(etcd, unit, "cert-file", "etcd serves clients without a TLS certificate");
        RequirePresent(etcd, unit, "key-file", "etcd serves clients without a TLS key");
        RequireTrue(etcd, unit, "client-cert-auth", "etcd does not require client certificates");
        RequireNotTrue(etcd, unit, "auto-tls", "etcd uses self-signed auto-generated client certificates");
        // Absent URL flags mean etcd's defaults, http://localhost:2379 (metrics listeners use another flag).
        RequireHttps(etcd, unit, "listen-client-urls");
        RequireHttps(etcd, unit, "advertise-client-urls");

        // Sub-rule 3: peer TLS.
        RequirePresent(etcd, unit, "peer-cert-file", "etcd peers talk without a TLS certificate");
        RequirePresent(etcd, unit, "peer-key-file", "etcd peers talk without a TLS key");
        RequireTrue(etcd, unit, "peer-client-cert-auth", "etcd does not require peer client certificates");
        RequireNotTrue(etcd, unit, "peer-auto-tls", "etcd peers use self-signed auto-generated certificates");

        // Sub-rule 4: a CA dedicated to etcd. Paths are only a proxy for "a different CA".
        var trusted = etcd["trusted-ca-file"];
        if (string.IsNullOrWhiteSpace(trusted))
        {
            unit.Fail("--trusted-ca-file is not set: etcd has no CA to verify client certificates against",
                etcd.EvidencePath, "<unset>", key: "trusted-ca-file");
            return;
        }

        foreach (var api in apiServers)
        {
            if (api["client-ca-file"] is { } clientCa && string.Equals(clientCa.Trim(), trusted.Trim(), StringComparison.Ordinal))
            {
                unit.Fail($"etcd --trusted-ca-file ({trusted}) is the API server's --client-ca-file: every client certificate of the cluster " +
                          "can authenticate to etcd (compared by path, a proxy for the CA itself)",
                    etcd.EvidencePath, "--trusted-ca-file=" + trusted, key: "dedicated-ca");
                return;
            }
        }
    }

    private static void RequirePresent(ComponentFlags c, Unit unit, string flag, string why)
    {
        if (string.IsNullOrWhiteSpace(c[flag]))
        {
            unit.Fail($"--{flag} is not set: {why}", c.EvidencePath, "<unset>", key: flag);
        }
    }

    private static void RequireTrue(ComponentFlags c, Unit unit, string flag, string why)
    {
        if (!string.Equals(c[flag]?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            unit.Fail($"--{flag} is {(c[flag] is { } v ? v : "not set (default false)")}: {why}", c.EvidencePath,
                c[flag] is { } val ? $"--{flag}={val}" : "<unset>", key: flag);
        }
    }

    private static void RequireNotTrue(ComponentFlags c, Unit unit, string flag, string why)
    {
        if (string.Equals(c[flag]?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            unit.Fail($"--{flag}=true: {why}", c.EvidencePath, $"--{flag}=true", key: flag);
        }
    }

    private static void RequireHttps(ComponentFlags c, Unit unit, string flag)
    {
        var urls = c.List(flag);
        if (urls.Count == 0)
        {
            unit.Fail($"--{flag} is not set: etcd defaults to plain http://localhost:2379", c.EvidencePath, "<unset>", key: flag);
            return;
        }

        foreach (var u in urls)
        {
            if (!u.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                unit.Fail($"--{flag} contains {u}: etcd client traffic is not encrypted", c.EvidencePath, $"--{flag}={c[flag]}", key: flag);
                return;
            }
        }
    }
}
