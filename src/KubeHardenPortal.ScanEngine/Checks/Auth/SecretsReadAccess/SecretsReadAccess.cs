using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-008: read access to Secrets minimised (CATALOG.md §4).</summary>
public sealed class SecretsReadAccess : RbacPermissionCheck
{
    private static readonly PermissionProbe Read = new("secrets-read", ["get", "list", "watch"], "", "secrets");
    private static readonly PermissionProbe CreatePods = new("pods-create", ["create"], "", "pods");

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-008",
        Title = "Read access to Secrets minimised",
        Severity = Severity.High,
        Section = GuideSections.Authentication,
        GuideReference = "Network separation → Secrets (restrict with RBAC); Authentication and authorization → RBAC",
        Target = CheckTarget.Rbac,
        Rationale = "get, list or watch on Secrets returns their data: service-account tokens, registry and database " +
                    "credentials, TLS keys. list and watch return every Secret in scope at once. A cluster-wide grant exposes " +
                    "the credentials of every namespace, including kube-system.",
        Remediation = "Replace broad reads with get on the named Secrets a subject needs, or let the workload mount the " +
                      "Secret instead of reading it through the API. Platform identities that must read Secrets " +
                      "(secret-sync, certificate operators) get an exception with a reason.",
        FixYaml = """
            rules:
            - apiGroups: [""]
              resources: ["secrets"]
              resourceNames: ["orders-db"]
              verbs: ["get"]
            """,
        References = new(["C-0015", "C-0186"], [], null, ["5.1.2"]),
        Collectors = ['c'],
    };

    protected override bool AssessReadsNamespace => false;

    protected override void Assess(ScanContext context, object? state, RbacAccess access, RbacSubject? subject, RbacRole role,
        List<PermissionFinding> found)
    {
        var m = access.Allows(Read);
        if (!m.Any)
        {
            return;
        }

        var severity = access.IsCluster ? Severity.High : Severity.Medium;
        string? note = null;
        if (m.NamedOnly && OnlyGet(m.Verbs))
        {
            severity = Severity.Low;
            note = "limited to the named Secrets";
        }
        else if (RbacMatcher.Has(m.Verbs, "list") || RbacMatcher.Has(m.Verbs, "watch"))
        {
            note = "list/watch return every Secret in scope with its data";
        }

        // Creating pods also reads Secrets indirectly (mount them); KH-AUTH-012 scores that path, this links it.
        if (access.Allows(CreatePods).Any)
        {
            note = (note is null ? "" : note + "; ") + "it can also create pods here and mount any Secret (see KH-AUTH-012)";
        }

        found.Add(new PermissionFinding("secrets", severity, $"read Secrets ({Verbs(m)})", m.Rules, note));
    }

    private static bool OnlyGet(IReadOnlyList<string> verbs)
    {
        for (var i = 0; i < verbs.Count; i++)
        {
            if (verbs[i] != "get")
            {
                return false;
            }
        }

        return true;
    }
}
