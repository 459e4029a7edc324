using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Logging;

/// <summary>KH-LOG-001: API server audit logging enabled (CATALOG.md §5).</summary>
public sealed class AuditLoggingEnabled : ApiServerFlagCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-LOG-001",
        Title = "API server audit logging enabled",
        Severity = Severity.High,
        Section = GuideSections.Logging,
        GuideReference = "Audit logging → Kubernetes native audit logging configuration (Appendix L policy, Appendix M flags, Appendix N webhook backend)",
        Target = CheckTarget.ControlPlane,
        Rationale = "Kubernetes records no audit events unless the API server is given an audit policy and a backend. " +
                    "Without them, privileged pod creation, exec into containers, RBAC changes and anonymous use leave " +
                    "no trace, and an intrusion can be neither detected nor investigated.",
        Remediation = "Start kube-apiserver with --audit-policy-file and at least one backend (--audit-log-path or " +
                      "--audit-webhook-config-file), and mount both paths into the static pod. On managed clusters, " +
                      "enable the provider's audit log export (EKS: audit log type; AKS: kube-audit diagnostic setting).",
        FixYaml = """
            - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
            - --audit-log-path=/var/log/kubernetes/audit/audit.log
            """,
        References = new(["C-0067", "C-0130", "C-0160"], [], null, ["1.2.16", "3.2.1"]),
        Collectors = ['d'],
    };

    protected override void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit)
    {
        var policy = apiServer["audit-policy-file"];
        if (string.IsNullOrWhiteSpace(policy))
        {
            unit.Fail("--audit-policy-file is not set: without an audit policy the API server records nothing",
                apiServer.EvidencePath, policy ?? "<unset>", apiServer.Container, key: "audit-policy-file");
        }

        var logPath = apiServer["audit-log-path"];
        var webhook = apiServer["audit-webhook-config-file"];
        if (string.IsNullOrWhiteSpace(logPath) && string.IsNullOrWhiteSpace(webhook))
        {
            unit.Fail("no audit backend: neither --audit-log-path nor --audit-webhook-config-file is set",
                apiServer.EvidencePath, "<unset>", apiServer.Container, key: "audit-backend");
        }

        if (logPath == "-" && string.IsNullOrWhiteSpace(webhook))
        {
            // A pass (stdout is a backend), but the records survive only if container logs are shipped off the node.
            unit.Advise($"kube-apiserver {apiServer.Pod.Name} writes audit records to stdout (--audit-log-path=-): they depend on container " +
                        "log shipping (see KH-LOG-004) and are lost with the node otherwise",
                apiServer.EvidencePath, "--audit-log-path=-", apiServer.Container, key: "audit-log-stdout");
        }
    }
}
