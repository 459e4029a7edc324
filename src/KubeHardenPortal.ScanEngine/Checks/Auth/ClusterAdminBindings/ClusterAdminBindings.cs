using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-006: cluster-admin (and equivalent) granted only where required (CATALOG.md §4).</summary>
public sealed class ClusterAdminBindings : RbacPermissionCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-006",
        Title = "cluster-admin (and equivalent) granted only where required",
        Severity = Severity.High,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → Role-based access control (least privilege; periodic review)",
        Target = CheckTarget.Rbac,
        Rationale = "A subject bound to cluster-admin, or to any role granting every verb on every resource, controls the " +
                    "whole cluster (or the whole namespace through a RoleBinding). When that subject is a service account, " +
                    "one compromised pod becomes a compromised cluster; when it is a broad group, every member is admin. " +
                    "Members of system:masters bypass RBAC entirely, so EKS aws-auth entries mapping IAM principals into " +
                    "that group cannot be revoked through RBAC.",
        Remediation = "Bind narrower roles. Keep cluster-admin for a break-glass group used through audited, time-bound " +
                      "elevation, and never map IAM principals into system:masters.",
        FixYaml = """
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            """,
        References = new(["C-0035"], ["clusterrolebindingClusterAdmin", "rolebindingClusterAdminClusterRole", "rolebindingClusterAdminRole"],
            null, ["5.1.1", "5.1.7"]),
        Collectors = ['c'],
    };

    protected override string? AssessSubjectKey(RbacSubject? subject, object? state) =>
        subject is null ? "" : subject.IsServiceAccount ? "sa" : subject.IsBroad ? "broad:" + subject.Name : "other";

    protected override bool AssessReadsNamespace => false;

    protected override void Assess(ScanContext context, object? state, RbacAccess access, RbacSubject? subject, RbacRole role,
        List<PermissionFinding> found)
    {
        if (!RbacEngine.IsAdminEquivalent(role, access.Rules))
        {
            return;
        }

        var adminRules = access.Rules.Where(RbacMatcher.IsAdminEquivalent).ToList();
        string what;
        if (adminRules.Count == 0)
        {
            what = "act as cluster-admin (the built-in ClusterRole, admin by name)";
        }
        else if (adminRules.Any(r => RbacMatcher.Has(r.ApiGroups, RbacMatcher.All)))
        {
            what = adminRules.Any(r => RbacMatcher.Has(r.Verbs, RbacMatcher.All))
                ? "use every verb on every resource (admin-equivalent)"
                : "use every standard verb on every resource (admin-equivalent)";
        }
        else
        {
            what = "use every verb on every core-group resource (core-admin)";
        }

        var matches = (adminRules.Count > 0 ? adminRules : access.Rules.Take(1))
            .Select(r => new RuleMatch(r, r.Verbs, MatchStrength.Full)).ToList();

        var severity = Severity.High;
        string? note = null;
        if (subject is { IsServiceAccount: true })
        {
            severity = Severity.Critical;
            note = "a service account: compromising one pod that uses it compromises " + (access.IsCluster ? "the cluster" : "the namespace");
        }
        else if (subject is { IsBroad: true })
        {
            severity = Severity.Critical;
            note = $"a broad group: every member of {subject.Name} holds it";
        }

        found.Add(new PermissionFinding("admin", severity, what, matches, note));
    }

    /// <summary>Rule 4 (EKS): aws-auth entries that place IAM principals in system:masters.</summary>
    protected override void EvaluateMore(ScanContext context, CheckResults results)
    {
        var cm = context.Find("ConfigMap", "kube-system", "aws-auth");
        if (cm is null)
        {
            return;
        }

        var unit = results.Begin(cm);
        foreach (var (field, arnKey) in (ReadOnlySpan<(string, string)>)[("mapRoles", "rolearn"), ("mapUsers", "userarn")])
        {
            var text = cm.Json.Get("data").Str(field);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonDocument doc;
            try
            {
                var converted = YamlToJson.Convert(text, 1, LoadLimits.Default);
                if (converted.Json is null)
                {
                    continue;
                }

                doc = JsonDocument.Parse(converted.Json);
            }
            catch (Exception ex) when (ex is YamlToJson.YamlInputException or JsonException or InvalidOperationException or ArgumentException)
            {
                unit.Unknown($"aws-auth data.{field} could not be parsed as YAML: {ex.Message}");
                continue;
            }

            using (doc)
            {
                var i = 0;
                foreach (var entry in CompactJson.From(doc.RootElement).Items())
                {
                    var index = i++;
                    if (!entry.Strings("groups").Contains("system:masters"))
                    {
                        continue;
                    }

                    var arn = entry.Str(arnKey) ?? "<no arn>";
                    unit.Fail($"aws-auth data.{field}[{index}] maps IAM principal {arn} (username \"{entry.Str("username")}\") into " +
                              "group system:masters: unrestricted admin that RBAC cannot revoke",
                        $"data.{field}", arn, key: "aws-auth|" + arn);
                }
            }
        }
    }
}
