using System.Globalization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Logging;

/// <summary>KH-LOG-002: audit log retention and rotation for the file backend (CATALOG.md §5).</summary>
public sealed class AuditLogRetention : ApiServerFlagCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-LOG-002",
        Title = "Audit log retention and rotation",
        Severity = Severity.Medium,
        Section = GuideSections.Logging,
        GuideReference = "Audit logging → Fault tolerance (keep logs, avoid loss); native audit configuration",
        Target = CheckTarget.ControlPlane,
        Rationale = "The file backend rotates and deletes audit logs by age, count and size. Defaults keep too little " +
                    "(or rotate too fast) for an investigation that starts weeks after an intrusion.",
        Remediation = "Set --audit-log-maxage (≥ 30 days), --audit-log-maxbackup (≥ 10 files) and --audit-log-maxsize " +
                      "(≥ 100 MB), and ship the logs off the node. Retention of a webhook or stdout backend belongs to " +
                      "the SIEM and is attested (KH-MAN-009).",
        FixYaml = """
            - --audit-log-maxage=30
            - --audit-log-maxbackup=10
            - --audit-log-maxsize=100
            """,
        References = new(["C-0131", "C-0132", "C-0133"], [], null, ["1.2.17", "1.2.18", "1.2.19"]),
        Collectors = ['d'],
    };

    protected override void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit)
    {
        var logPath = apiServer["audit-log-path"];
        if (string.IsNullOrWhiteSpace(logPath))
        {
            unit.NotApplicable("no audit log file backend (--audit-log-path unset): retention belongs to the webhook sink or SIEM");
            return;
        }

        if (logPath == "-")
        {
            unit.NotApplicable("audit log written to stdout (--audit-log-path=-): retention belongs to the log pipeline or SIEM");
            return;
        }

        var o = context.Options;
        Require(apiServer, unit, "audit-log-maxage", o.AuditLogMinAgeDays, "days");
        Require(apiServer, unit, "audit-log-maxbackup", o.AuditLogMinBackups, "rotated files");
        Require(apiServer, unit, "audit-log-maxsize", o.AuditLogMinSizeMb, "MB");
    }

    private static void Require(ComponentFlags apiServer, Unit unit, string flag, int minimum, string unitName)
    {
        var value = apiServer[flag];
        if (value is null)
        {
            unit.Fail($"--{flag} is not set (needs ≥ {minimum} {unitName})", apiServer.EvidencePath, "<unset>", apiServer.Container, key: flag);
        }
        else if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            unit.Fail($"--{flag}={value} is not a number (needs ≥ {minimum} {unitName})", apiServer.EvidencePath, value, apiServer.Container, key: flag);
        }
        else if (n < minimum)
        {
            unit.Fail($"--{flag}={n} is below {minimum} {unitName}", apiServer.EvidencePath, value, apiServer.Container, key: flag);
        }
    }
}
