using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-002: API server authorization uses RBAC and Node, never AlwaysAllow (CATALOG.md §4).</summary>
public sealed class ApiServerAuthorizationMode : ApiServerFlagCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-002",
        Title = "API server authorization: RBAC and Node, never AlwaysAllow",
        Severity = Severity.Critical,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → Role-based access control (enable RBAC; AlwaysAllow disables authorization)",
        Target = CheckTarget.ControlPlane,
        Rationale = "AlwaysAllow authorises every authenticated (and, with anonymous auth, every anonymous) request: no RBAC " +
                    "rule is consulted. Without RBAC no least-privilege policy can be expressed; without the Node authorizer " +
                    "every kubelet can read every Secret and modify every node.",
        Remediation = "Run the API server with --authorization-mode=Node,RBAC (or an equivalent structured authorization " +
                      "configuration, attested). The mode is a control-plane setting; on managed services the provider sets it.",
        FixYaml = """
            - --authorization-mode=Node,RBAC
            """,
        References = new(["C-0088", "C-0118", "C-0119", "C-0120"], [], null, ["1.2.6", "1.2.7", "1.2.8"]),
        Collectors = ['d'],
    };

    protected override void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit)
    {
        if (apiServer.Has("authorization-config"))
        {
            unit.Unknown($"authorization is configured by --authorization-config={apiServer["authorization-config"]} (structured " +
                         "authorization); the file is not visible through the API — attest its authorizer chain");
            return;
        }

        var modes = apiServer.List("authorization-mode");
        var observed = modes.Count == 0 ? "<unset> (default AlwaysAllow)" : "--authorization-mode=" + apiServer["authorization-mode"];
        var effective = modes.Count == 0 ? ["AlwaysAllow"] : modes;
        var path = apiServer.EvidencePath;
        if (effective.Contains("AlwaysAllow"))
        {
            unit.Fail(modes.Count == 0
                    ? "--authorization-mode is not set: the API server defaults to AlwaysAllow and authorises every request"
                    : "--authorization-mode includes AlwaysAllow: every request is authorised",
                path, observed, severity: Severity.Critical, key: "AlwaysAllow");
        }

        if (!effective.Contains("RBAC"))
        {
            unit.Fail($"--authorization-mode does not include RBAC ({string.Join(",", effective)}): no role-based policy is enforced",
                path, observed, severity: Severity.Critical, key: "RBAC");
        }

        if (!effective.Contains("Node"))
        {
            unit.Fail($"--authorization-mode does not include Node ({string.Join(",", effective)}): kubelets are not restricted to their own node's objects",
                path, observed, severity: Severity.Medium, key: "Node");
        }
    }
}
