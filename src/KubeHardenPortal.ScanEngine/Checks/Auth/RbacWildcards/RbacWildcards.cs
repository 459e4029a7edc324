using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>
/// KH-AUTH-007: no wildcards in bound Roles/ClusterRoles (CATALOG.md §4). One unit per role: bound roles fail at
/// Medium; a role no binding references is reported at Medium in manifests (it may be bound elsewhere) and as a
/// Low "latent" finding when the cluster snapshot holds every binding. Aggregated ClusterRoles are judged through
/// their source roles; admin-equivalent roles are left to KH-AUTH-006.
/// </summary>
public sealed class RbacWildcards : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-007",
        Title = "No wildcards in bound Roles/ClusterRoles",
        Severity = Severity.Medium,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → RBAC (grant only the verbs and resources needed)",
        Target = CheckTarget.Rbac,
        Rationale = "A wildcard grants everything that exists now and everything added later: new verbs, new subresources " +
                    "(such as pods/exec or nodes/proxy) and the resources of every CRD installed afterwards.",
        Remediation = "Enumerate explicit verbs and resources. Operators that need every resource of their own API group get " +
                      "a per-role exception that records the group.",
        FixYaml = """
            rules:
            - apiGroups: ["apps"]
              resources: ["deployments"]
              verbs: ["get", "list", "watch", "patch"]
            """,
        References = new(["C-0187"], [], null, ["5.1.3"]),
        Collectors = ['c'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var rbac = context.Rbac;
        if (rbac.IsClusterSnapshot && rbac.MissingResources.Count > 0)
        {
            results.Unknown(context.ClusterRef, $"RBAC not fully collected ({string.Join(", ", rbac.MissingResources)})");
        }

        foreach (var role in rbac.Roles)
        {
            if (role.Object is null)
            {
                continue;
            }

            var rules = role.OwnEvaluatedRules;
            if (rules.Count == 0 && role.Bootstrap != BootstrapStatus.None)
            {
                results.NotApplicable(role.Object, $"{role.Display} is bootstrap policy whose content matches the upstream baseline");
                continue;
            }

            if (rules.Count == 0 && role.IsAggregated && role.Rules.Count > 0)
            {
                results.NotApplicable(role.Object, $"{role.Display} is aggregated: its rules are judged on the source roles " +
                                                   string.Join(", ", role.AggregatedFrom.Select(s => s.Name)));
                continue;
            }

            var unit = results.Begin(role.Object);
            if (RbacEngine.IsAdminEquivalent(role, rules))
            {
                unit.NotApplicable($"{role.Display} is admin-equivalent: reported and scored by KH-AUTH-006");
                continue;
            }

            // Allocated only for a role with a wildcard: most have none.
            List<RbacRule>? wild = null;
            for (var i = 0; i < rules.Count; i++)
            {
                if (RbacMatcher.HasWildcard(rules[i]))
                {
                    (wild ??= []).Add(rules[i]);
                }
            }

            if (wild is null)
            {
                continue;
            }

            var latent = !role.IsBound && rbac.BindingsComplete;
            var status = role.IsBound ? ""
                : " — " + (latent ? RbacPermissionCheck.LatentReason : RbacPermissionCheck.UnboundReason);
            var groups = wild.SelectMany(r => r.ApiGroups).Distinct(StringComparer.Ordinal).ToList();
            var ownGroup = groups.Count == 1 && groups[0] is not ("*" or "")
                ? $"; wildcards are limited to API group {groups[0]} (candidate for a per-role exception)"
                : "";
            var message = $"{role.Display} has wildcards in " +
                          string.Join(", ", wild.Select(r => $"{r.Locator} ({r})")) + ownGroup + status;
            unit.Fail(message, wild.Select(r => r.Path).FirstOrDefault(p => p is not null), string.Join("; ", wild.Select(r => r.ToString())),
                severity: latent ? Severity.Low : Severity.Medium, key: "wildcards");
        }
    }
}
