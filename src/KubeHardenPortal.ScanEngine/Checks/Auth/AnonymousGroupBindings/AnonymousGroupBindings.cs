using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>
/// KH-AUTH-011: no permissions for anonymous, unauthenticated or "everyone" groups (CATALOG.md §4). One unit per
/// binding; a binding to User system:anonymous, Group system:unauthenticated, system:authenticated or
/// system:serviceaccounts fails unless it is bootstrap policy whose content matches the upstream baseline — even
/// when the role looks harmless, and even when the role is not in the input (the binding itself is the finding).
/// </summary>
public sealed class AnonymousGroupBindings : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-011",
        Title = "No permissions for anonymous, unauthenticated or \"everyone\" groups",
        Severity = Severity.Critical,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → Authentication (anonymous requests require explicit authorization when RBAC is on)",
        Target = CheckTarget.Rbac,
        Rationale = "With RBAC on, anonymous requests can do only what is granted to system:anonymous or " +
                    "system:unauthenticated; a binding to those subjects opens the API to anyone who can reach it. Bindings " +
                    "to system:authenticated or system:serviceaccounts give the permission to every user and every pod " +
                    "of the cluster. The bootstrap discovery bindings are the only ones that should exist.",
        Remediation = "Delete the binding or bind the role to named groups from your identity provider.",
        FixYaml = """
            subjects:
            - {kind: Group, name: oidc:platform-readers, apiGroup: rbac.authorization.k8s.io}
            """,
        References = new(["C-0262"], [], null, []),
        Collectors = ['c', 'd', 'j'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var rbac = context.Rbac;
        if (rbac.IsClusterSnapshot && (rbac.MissingResources.Contains("rolebindings") || rbac.MissingResources.Contains("clusterrolebindings")))
        {
            results.Unknown(context.ClusterRef, $"RBAC bindings not fully collected ({string.Join(", ", rbac.MissingResources)})");
        }

        var anonymousDisabled = AuthFacts.AnonymousAuthDisabled(context) == true;
        foreach (var binding in rbac.Bindings)
        {
            if (binding.Subjects.Count == 0)
            {
                results.NotApplicable(binding.Object, $"{binding.Display} has no subjects");
                continue;
            }

            if (binding.IsFullyBootstrap)
            {
                results.NotApplicable(binding.Object, $"{binding.Display} is bootstrap policy whose content matches the upstream baseline");
                continue;
            }

            var unit = results.Begin(binding.Object);
            // By index: foreach over the interface allocated an enumerator per binding.
            for (var i = 0; i < binding.Subjects.Count; i++)
            {
                var subject = binding.Subjects[i];
                if (!subject.IsAnonymous && !subject.IsEveryone)
                {
                    continue;
                }

                var bootstrapSubject = binding.IsBootstrapSubject(subject);
                string allows;
                if (binding.Role is { } role)
                {
                    var rules = bootstrapSubject ? role.ResidualRules : role.Rules;
                    if (rules.Count == 0)
                    {
                        if (bootstrapSubject)
                        {
                            continue; // bootstrap grant, baseline content only
                        }

                        allows = "an empty role (nothing today, whatever is added later)";
                    }
                    else
                    {
                        allows = (bootstrapSubject ? "beyond the upstream bootstrap policy: " : "") + Summarize(rules);
                    }
                }
                else
                {
                    allows = binding.Resolution switch
                    {
                        RoleResolution.NotInInput => "a role that is not in the scanned input",
                        _ => "a role that does not exist (nothing until someone creates it)",
                    };
                }

                var severity = subject.IsAnonymous ? Severity.Critical : Severity.High;
                var who = subject.IsAnonymous ? "anonymous requests"
                    : subject.Name == "system:authenticated" ? "every authenticated user and service account"
                    : "every service account of the cluster";
                var dormant = "";
                if (subject.IsAnonymous && anonymousDisabled)
                {
                    severity = Severity.High;
                    dormant = " (dormant: anonymous authentication is disabled, but the grant returns if it is re-enabled)";
                }

                unit.Fail($"{binding.Display} grants {binding.RoleDisplay} to {subject.Display} — {who} {binding.ScopeText} — allowing {allows}{dormant}",
                    subject.Path, subject.Name, severity: severity, key: subject.Key);
            }
        }
    }

    private static string Summarize(IReadOnlyList<RbacRule> rules)
    {
        var shown = rules.Take(3).Select(r => r.ToString());
        return string.Join("; ", shown) + (rules.Count > 3 ? $"; … ({rules.Count} rules)" : "");
    }
}
