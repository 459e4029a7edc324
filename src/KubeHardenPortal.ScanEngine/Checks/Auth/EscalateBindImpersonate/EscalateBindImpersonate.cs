using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-010: escalate, bind and impersonate limited (CATALOG.md §4).</summary>
public sealed class EscalateBindImpersonate : RbacPermissionCheck
{
    private const string Rbac = RbacEngine.RbacGroup;
    private const string Authn = "authentication.k8s.io";

    // bind is checked in the namespace of the binding being created, so "bind clusterroles" through a RoleBinding
    // still lets its subject bind ClusterRoles inside that namespace; escalate on ClusterRoles is cluster-scoped.
    private static readonly PermissionProbe[] EscalateBind =
    [
        new("escalate-roles", ["escalate"], Rbac, "roles"),
        new("escalate-clusterroles", ["escalate"], Rbac, "clusterroles", ClusterScoped: true),
        new("bind-roles", ["bind"], Rbac, "roles"),
        new("bind-clusterroles", ["bind"], Rbac, "clusterroles"),
    ];

    private static readonly PermissionProbe[] Impersonate =
    [
        new("impersonate-users", ["impersonate"], "", "users", ClusterScoped: true),
        new("impersonate-groups", ["impersonate"], "", "groups", ClusterScoped: true),
        new("impersonate-serviceaccounts", ["impersonate"], "", "serviceaccounts"),
        new("impersonate-uids", ["impersonate"], Authn, "uids", ClusterScoped: true),
        new("impersonate-userextras", ["impersonate"], Authn, "userextras", ClusterScoped: true, AnySubresource: true),
    ];

    private static readonly PermissionProbe[] WriteBindings =
    [
        new("write-rolebindings", ["create", "update", "patch"], Rbac, "rolebindings"),
        new("write-clusterrolebindings", ["create", "update", "patch"], Rbac, "clusterrolebindings", ClusterScoped: true),
    ];

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-010",
        Title = "escalate, bind and impersonate limited",
        Severity = Severity.High,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → RBAC (creating/updating roles requires the contained permissions or the escalate verb)",
        Target = CheckTarget.Rbac,
        Rationale = "RBAC stops a subject from granting permissions it does not hold, unless it has escalate (edit roles " +
                    "beyond its own rights) or bind (bind roles it does not hold). impersonate lets a subject act as any " +
                    "user, group or service account, including cluster administrators. Writing bindings without bind " +
                    "still spreads every role the subject holds to other identities.",
        Remediation = "Remove escalate, bind and impersonate, or scope them with resourceNames to specific, harmless roles " +
                      "and identities; keep binding management with the platform team.",
        FixYaml = """
            rules:
            - apiGroups: ["rbac.authorization.k8s.io"]
              resources: ["clusterroles"]
              resourceNames: ["team-viewer"]
              verbs: ["bind"]
            """,
        References = new(["C-0191", "C-0065"], [], null, ["5.1.8"]),
        Collectors = ['c'],
    };

    protected override string? ScoredElsewhere(ScanContext context, RbacAccess access, RbacSubject? subject, RbacRole role) =>
        RbacEngine.IsAdminEquivalent(role, access.Rules) || (subject is not null && context.Rbac.IsClusterAdmin(subject))
            ? "already admin-equivalent: reported and scored by KH-AUTH-006"
            : null;

    // The namespace is read only to judge names in grants limited by resourceNames (Roles of the namespace to bind or
    // escalate, its service accounts to impersonate): other grants of a role share one assessment across namespaces.
    protected override string? AssessScopeKey(RbacAccess access, object? state) =>
        AnyNamedOnly(access, EscalateBind) || AnyNamedOnly(access, Impersonate) ? access.Namespace : null;

    private static bool AnyNamedOnly(RbacAccess access, PermissionProbe[] probes)
    {
        foreach (var probe in probes)
        {
            if (access.Allows(probe).NamedOnly)
            {
                return true;
            }
        }

        return false;
    }

    protected override void Assess(ScanContext context, object? state, RbacAccess access, RbacSubject? subject, RbacRole role,
        List<PermissionFinding> found)
    {
        if (Collect(context, access, EscalateBind, DangerousRoleName) is (var escalateParts, var escalateRules))
        {
            found.Add(new PermissionFinding("escalate-bind", Severity.High,
                "grant itself or others permissions it does not hold (" + string.Join("; ", escalateParts) + ")", escalateRules));
        }

        if (Collect(context, access, Impersonate, DangerousIdentity) is (var impersonateParts, var impersonateRules))
        {
            found.Add(new PermissionFinding("impersonate", Severity.High,
                "act as other identities (" + string.Join("; ", impersonateParts) + ")", impersonateRules));
        }

        // Writing bindings without bind: only roles the subject already holds can be handed out.
        if (CanBind(access))
        {
            return;
        }

        if (Allowed(access, WriteBindings, VerbsOnResource) is { } write)
        {
            found.Add(new PermissionFinding("write-bindings", write.NamedOnly ? Severity.Low : Severity.Medium,
                "hand out the roles it holds to other identities (" + write.Text + ")", DistinctRules(write.Rules),
                "without bind it can only bind roles it already holds" + (write.NamedOnly ? "; limited to named bindings" : "")));
        }
    }

    private static bool CanBind(RbacAccess access)
    {
        foreach (var probe in EscalateBind)
        {
            if (probe.Verbs![0] == "bind" && access.Allows(probe).Strength == MatchStrength.Full)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Matches for the probes (null when none counts). A grant limited by resourceNames passes unless one of the
    /// names is itself dangerous (an admin-equivalent role to bind/escalate, an admin identity to impersonate):
    /// naming specific, harmless targets is the remediation the catalog recommends.
    /// </summary>
    private static (List<string> Parts, List<RuleMatch> Rules)? Collect(ScanContext context, RbacAccess access,
        PermissionProbe[] probes, Func<ScanContext, RbacAccess, PermissionProbe, string, bool> dangerousName)
    {
        // Allocated once a probe counts: most grants allow none of these.
        List<string>? parts = null;
        List<RuleMatch>? rules = null;
        foreach (var probe in probes)
        {
            var m = access.Allows(probe);
            if (!m.Any)
            {
                continue;
            }

            var resource = probe.AnySubresource ? probe.Resource + "/*" : probe.Resource;
            if (m.NamedOnly)
            {
                var bad = DangerousNames(context, access, probe, m.ResourceNames, dangerousName);
                if (bad.Count == 0)
                {
                    continue;
                }

                (parts ??= []).Add($"{probe.Verbs![0]} {resource} named {string.Join(", ", bad)} (admin-equivalent)");
            }
            else
            {
                (parts ??= []).Add($"{probe.Verbs![0]} {resource}");
            }

            (rules ??= []).AddRange(m.Rules);
        }

        return parts is null || rules is null ? null : (parts, DistinctRules(rules));
    }

    // A loop in its own method: a lambda here allocated its closure on every Collect call, named grants or not.
    private static List<string> DangerousNames(ScanContext context, RbacAccess access, PermissionProbe probe, IEnumerable<string> names,
        Func<ScanContext, RbacAccess, PermissionProbe, string, bool> dangerousName)
    {
        var bad = new List<string>();
        foreach (var n in names)
        {
            if (dangerousName(context, access, probe, n))
            {
                bad.Add(n);
            }
        }

        return bad;
    }

    private static bool DangerousRoleName(ScanContext context, RbacAccess access, PermissionProbe probe, string name)
    {
        var rbac = context.Rbac;
        if (probe.Resource == "clusterroles")
        {
            return rbac.ClusterRole(name) is { } cr ? RbacEngine.IsAdminEquivalent(cr, cr.Rules) : name == "cluster-admin";
        }

        return rbac.Roles.Any(r => !r.IsClusterRole && r.Name == name && (access.IsCluster || r.Namespace == access.Namespace) &&
                                   RbacEngine.IsAdminEquivalent(r, r.Rules));
    }

    private static bool DangerousIdentity(ScanContext context, RbacAccess access, PermissionProbe probe, string name)
    {
        var rbac = context.Rbac;
        return probe.Resource switch
        {
            "users" => rbac.IsClusterAdmin(new RbacSubject("User", name, null, -1)),
            "groups" => rbac.IsClusterAdmin(new RbacSubject("Group", name, null, -1)),
            "serviceaccounts" when !access.IsCluster => rbac.IsClusterAdmin(new RbacSubject("ServiceAccount", name, access.Namespace, -1)),
            "serviceaccounts" => rbac.Bindings.SelectMany(b => b.Subjects)
                .Any(s => s.IsServiceAccount && s.ServiceAccountName == name && rbac.IsClusterAdmin(s)),
            _ => false,
        };
    }
}
