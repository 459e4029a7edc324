using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-009: exec / attach / port-forward permissions minimised (CATALOG.md §4).</summary>
public sealed class PodExecPermissions : RbacPermissionCheck
{
    /// <summary>The 1.35 gate that makes WebSocket upgrades to exec/attach/portforward also require create.</summary>
    public const string WebsocketGate = "AuthorizePodWebsocketUpgradeCreatePermission";

    private static readonly string[] Subresources = ["exec", "attach", "portforward"];

    private static readonly PermissionProbe EphemeralContainers =
        new("ephemeralcontainers", ["patch", "update"], "", "pods", "ephemeralcontainers");

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-009",
        Title = "exec / attach / port-forward permissions minimised",
        Severity = Severity.Medium,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → RBAC; Audit logging → Threat detection (exec into pods is a detection signal)",
        Target = CheckTarget.Rbac,
        Rationale = "exec and attach run commands inside running containers, with the container's service account token, " +
                    "mounted Secrets and network position; port-forward reaches ports the network policy would block. " +
                    "Adding an ephemeral container (kubectl debug) does the same. Before Kubernetes 1.35 the WebSocket " +
                    "upgrade used by kubectl was authorised with get, so get on these subresources is enough there.",
        Remediation = "Remove exec, attach and port-forward from day-to-day roles (including bindings to the built-in " +
                      "admin and edit roles) and grant them through a separate, time-bound role; break-glass groups get an " +
                      "exception with an expiry.",
        FixYaml = """
            rules:
            - apiGroups: [""]
              resources: ["pods", "pods/log"]
              verbs: ["get", "list", "watch"]
            """,
        References = new(["C-0002", "C-0063"],
            ["clusterrolePodExecAttach", "rolePodExecAttach", "clusterrolebindingPodExecAttach", "rolebindingClusterRolePodExecAttach", "rolebindingRolePodExecAttach"],
            null, []),
        Collectors = ['c', 'd', 'f'],
    };

    private sealed record State(bool GetCounts, string GetReason, IReadOnlySet<string> Production, PermissionProbe[] Probes);

    protected override object? Prepare(ScanContext context)
    {
        var version = AuthFacts.Version(context);
        var gate = AuthFacts.ApiServerFeatureGate(context, WebsocketGate);
        var (getCounts, reason) = version is null ? (true, "cluster version unknown: get counted as for clusters before 1.35")
            : !version.Value.AtLeast(1, 35) ? (true, $"on {version} the WebSocket upgrade is authorised with get")
            : gate == false ? (true, $"feature gate {WebsocketGate} is disabled: get is enough")
            : (false, "");
        var verbs = getCounts ? (string[])["create", "get"] : ["create"];
        var probes = Subresources.Select(s => new PermissionProbe(s, verbs, "", "pods", s)).ToArray();
        return new State(getCounts, reason, AuthFacts.ProductionNamespaces(context), probes);
    }

    // Of the namespace, only whether it is a production namespace matters: grants in every other namespace share one assessment.
    protected override string? AssessScopeKey(RbacAccess access, object? state) =>
        access.Namespace is { } ns && ((State)state!).Production.Contains(ns) ? "production" : "";

    protected override void Assess(ScanContext context, object? state, RbacAccess access, RbacSubject? subject, RbacRole role,
        List<PermissionFinding> found)
    {
        var s = (State)state!;

        var allowed = Allowed(access, s.Probes, static (p, m) => $"{string.Join('/', m.Verbs)} pods/{p.Subresource}");
        var eph = access.Allows(EphemeralContainers);
        if (eph.Any)
        {
            (allowed ??= new()).Add($"{string.Join('/', eph.Verbs)} pods/ephemeralcontainers (kubectl debug, bounded by Pod Security Admission)", eph);
        }

        if (allowed is null)
        {
            return;
        }

        // Ephemeral containers are always created; exec/attach/portforward may be allowed through get alone.
        var createSeen = eph.Any || AllowsCreate(access, s.Probes);

        var production = access.IsCluster
            ? s.Production.Count > 0
            : access.Namespace is not null && s.Production.Contains(access.Namespace);
        var severity = production ? Severity.High : Severity.Medium;
        var notes = new List<string>();
        if (production)
        {
            notes.Add(access.IsCluster ? "includes production namespaces" : "production namespace");
        }

        if (!createSeen)
        {
            notes.Add(s.GetReason);
        }

        if (allowed.NamedOnly)
        {
            severity = AuthFacts.Lower(severity);
            notes.Add("limited to named pods: " + string.Join(", ", allowed.Rules.SelectMany(m => m.Rule.ResourceNames).Distinct(StringComparer.Ordinal)));
        }

        found.Add(new PermissionFinding("exec", severity, "run code in containers (" + allowed.Text + ")",
            DistinctRules(allowed.Rules), notes.Count == 0 ? null : string.Join("; ", notes)));
    }

    private static bool AllowsCreate(RbacAccess access, PermissionProbe[] probes)
    {
        foreach (var probe in probes)
        {
            if (RbacMatcher.Has(access.Allows(probe).Verbs, "create"))
            {
                return true;
            }
        }

        return false;
    }
}
