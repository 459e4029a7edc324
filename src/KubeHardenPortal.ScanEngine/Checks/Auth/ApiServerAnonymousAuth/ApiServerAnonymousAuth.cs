using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>
/// KH-AUTH-001: API server anonymous access restricted, no static credential files (CATALOG.md §4). Reads the
/// kube-apiserver flags where visible, and the unauthenticated probe of GET /api (collector j), which also works
/// for managed control planes.
/// </summary>
public sealed class ApiServerAnonymousAuth : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-001",
        Title = "API server: anonymous access restricted, no static credential files",
        Severity = Severity.High,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → Authentication (disable anonymous requests; avoid weak methods such as static password/token files)",
        Target = CheckTarget.ControlPlane,
        Rationale = "With anonymous authentication on, every request without credentials is served as system:anonymous; " +
                    "one permissive binding then opens the API to anyone who can reach it. Static token and password files " +
                    "hold long-lived credentials in plain text on the control-plane hosts and cannot be rotated without a restart.",
        Remediation = "Keep anonymous access only for health endpoints through an AuthenticationConfiguration file (1.32+; " +
                      "kubeadm's liveness probes call /livez anonymously), or set --anonymous-auth=false where nothing depends " +
                      "on anonymous health checks. Remove --token-auth-file and --basic-auth-file; use OIDC or client certificates.",
        FixYaml = """
            apiVersion: apiserver.config.k8s.io/v1beta1
            kind: AuthenticationConfiguration
            anonymous:
              enabled: true
              conditions:
              - path: /livez
              - path: /readyz
              - path: /healthz
            """,
        References = new(["C-0113", "C-0114"], [], null, ["1.2.1", "1.2.2"]),
        Collectors = ['d', 'j'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var cp = context.ControlPlane;
        var probe = context.Snapshot.AnonymousApiProbeStatus;
        if (cp.ApiServers.Count == 0 || cp.IsManaged)
        {
            var reason = cp.UnavailableReason ?? "kube-apiserver flags are not visible";
            if (probe is null)
            {
                results.Unknown(context.ClusterRef, reason + "; no unauthenticated probe result");
                return;
            }

            var unit = results.Begin(context.ClusterRef);
            if (!FailFromProbe(unit, probe.Value, null))
            {
                if (probe != 401)
                {
                    unit.Unknown($"unauthenticated GET /api returned {probe}, which does not tell whether anonymous requests are accepted");
                }
                else if (!cp.IsManaged)
                {
                    unit.Unknown($"anonymous requests are rejected (unauthenticated GET /api: 401), but static credential flags are not visible: {reason}");
                }

                // Managed and 401: anonymous is rejected, and static credential files cannot be configured there.
            }

            return;
        }

        foreach (var api in cp.ApiServers)
        {
            var unit = results.Begin(api.Pod);
            var flag = api["anonymous-auth"];
            if (string.Equals(flag, "false", StringComparison.OrdinalIgnoreCase))
            {
                FailFromProbe(unit, probe, api); // flags say off; a probe that gets in contradicts them
            }
            else if (flag is null && api.Has("authentication-config"))
            {
                // The AuthenticationConfiguration file decides (anonymous may be limited to health endpoints).
                if (!FailFromProbe(unit, probe, api) && probe != 401)
                {
                    unit.Unknown("anonymous authentication is configured in the --authentication-config file, which is not visible " +
                                 "through the API (attest it, or enable the unauthenticated probe)");
                }
            }
            else
            {
                var severity = probe == 200 ? Severity.Critical : Severity.High;
                var observed = flag is null ? "<unset> (default true)" : "--anonymous-auth=" + flag;
                var probeText = probe switch
                {
                    200 => "; an unauthenticated GET /api succeeded (200): anonymous users can read API discovery",
                    403 => "; an unauthenticated GET /api was accepted and denied (403)",
                    _ => "",
                };
                unit.Fail($"kube-apiserver accepts anonymous requests: --anonymous-auth is {(flag is null ? "not set (defaults to true)" : flag)}{probeText}",
                    api.EvidencePath, observed, severity: severity, key: "anonymous-auth");
            }

            if (api["token-auth-file"] is { } tokenFile)
            {
                unit.Fail($"kube-apiserver reads static bearer tokens from --token-auth-file={tokenFile}",
                    api.EvidencePath, "--token-auth-file=" + tokenFile, key: "token-auth-file");
            }

            if (api["basic-auth-file"] is { } basicFile)
            {
                unit.Fail($"kube-apiserver reads static passwords from --basic-auth-file={basicFile} (removed in 1.19; this control plane is very old)",
                    api.EvidencePath, "--basic-auth-file=" + basicFile, key: "basic-auth-file");
            }
        }
    }

    /// <summary>403: anonymous accepted but denied (High); 200: anonymous can read discovery (Critical).</summary>
    private static bool FailFromProbe(Unit unit, int? status, ComponentFlags? api)
    {
        switch (status)
        {
            case 403:
                unit.Fail("an unauthenticated GET /api was accepted as system:anonymous and denied (403): anonymous authentication is on",
                    api?.EvidencePath, "probe: 403", severity: Severity.High, key: "anonymous-probe");
                return true;
            case 200:
                unit.Fail("an unauthenticated GET /api succeeded (200): anonymous users can read API discovery (see KH-AUTH-011)",
                    api?.EvidencePath, "probe: 200", severity: Severity.Critical, key: "anonymous-probe");
                return true;
            default:
                return false;
        }
    }
}
