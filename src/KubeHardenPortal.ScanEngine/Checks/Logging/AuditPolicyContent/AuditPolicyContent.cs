using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Logging;

/// <summary>
/// KH-LOG-003: the audit policy records security-relevant activity without copying secret payloads (CATALOG.md §5).
/// The policy file is not visible through the API, so the check is Manual unless an audit.k8s.io Policy document
/// is part of the scanned input (a CI pipeline scanning its policy file, or a node agent supplying it).
/// </summary>
public sealed class AuditPolicyContent : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-LOG-003",
        Title = "Audit policy covers security-relevant activity without logging secret payloads",
        Severity = Severity.Medium,
        Section = GuideSections.Logging,
        GuideReference = "Audit logging → native audit configuration (Appendix L); Threat detection (what to watch)",
        Target = CheckTarget.ControlPlane,
        Rationale = "The audit policy decides what the audit log contains. A policy that drops exec, RBAC or webhook " +
                    "changes blinds detection, one whose catch-all is None records nothing unforeseen, and one that logs " +
                    "Secrets, ConfigMaps or TokenReviews above Metadata copies credentials into the log store.",
        Remediation = "Log secrets, configmaps and tokenreviews at exactly Metadata; log pod exec/attach/port-forward, " +
                      "workload, RBAC, token, CSR-approval and webhook-configuration changes at Request or above; keep " +
                      "anonymous requests; end with a catch-all rule that is not None.",
        FixYaml = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: ["RequestReceived"]
            rules:
            - level: Metadata
              resources: [{group: "", resources: ["secrets", "configmaps"]}, {group: authentication.k8s.io, resources: ["tokenreviews"]}]
            - level: RequestResponse
              resources: [{group: "", resources: ["pods/exec", "pods/attach", "pods/portforward"]}, {group: rbac.authorization.k8s.io}]
            - level: Request
              verbs: ["create", "update", "patch", "delete"]
            - level: Metadata
            """,
        References = new(["C-0161"], [], null, ["3.2.2"]),
        Collectors = [],
    };

    // Probe identities: an ordinary authenticated user (rules narrowed to named system users do not match it) and
    // the anonymous user. Probe namespace: one no rule names, so namespace-narrowed rules do not match either.
    private static readonly string[] UserGroups = ["system:authenticated"];
    private static readonly string[] AnonymousGroups = ["system:unauthenticated"];
    private const string User = "kh-probe-user";
    private const string Anonymous = "system:anonymous";
    private const string ProbeNamespace = "kh-probe-namespace";

    private static readonly string[] AllVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] WriteVerbs = ["create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] ConnectVerbs = ["create", "get"];
    private static readonly string[] ProxyVerbs = ["get", "create", "update", "patch", "delete"];

    private sealed record Target(string Group, string Resource, string? Subresource, bool Namespaced, string[] Verbs)
    {
        public string Name => Subresource is null ? Resource : Resource + "/" + Subresource;
    }

    /// <summary>Rule 1: exactly Metadata (higher levels copy secret material into the log).</summary>
    private static readonly Target[] MetadataOnly =
    [
        new("", "secrets", null, true, AllVerbs),
        new("", "configmaps", null, true, AllVerbs),
        new("authentication.k8s.io", "tokenreviews", null, false, ["create"]),
    ];

    /// <summary>Rule 2: never None. Object writes and the connect/proxy subresources (reads of objects may be dropped as noise).</summary>
    private static readonly Target[] MustLog =
    [
        new("", "pods", null, true, WriteVerbs),
        new("", "pods", "exec", true, ConnectVerbs),
        new("", "pods", "attach", true, ConnectVerbs),
        new("", "pods", "portforward", true, ConnectVerbs),
        new("", "pods", "proxy", true, ProxyVerbs),
        new("", "services", "proxy", true, ProxyVerbs),
        new("", "nodes", "proxy", false, ProxyVerbs),
        new("apps", "deployments", null, true, WriteVerbs),
        new("apps", "daemonsets", null, true, WriteVerbs),
        new("rbac.authorization.k8s.io", "roles", null, true, WriteVerbs),
        new("rbac.authorization.k8s.io", "rolebindings", null, true, WriteVerbs),
        new("rbac.authorization.k8s.io", "clusterroles", null, false, WriteVerbs),
        new("rbac.authorization.k8s.io", "clusterrolebindings", null, false, WriteVerbs),
        new("", "serviceaccounts", "token", true, ["create"]),
        new("certificates.k8s.io", "certificatesigningrequests", "approval", false, ["update", "patch"]),
        new("admissionregistration.k8s.io", "mutatingwebhookconfigurations", null, false, WriteVerbs),
        new("admissionregistration.k8s.io", "validatingwebhookconfigurations", null, false, WriteVerbs),
    ];

    /// <summary>Rule 4: what an anonymous caller typically tries (health endpoints aside, which policies may drop).</summary>
    private static readonly AuditRequest[] AnonymousProbes =
    [
        new(Anonymous, AnonymousGroups, "get", "", "pods", null, ProbeNamespace),
        new(Anonymous, AnonymousGroups, "list", "", "secrets", null, ProbeNamespace),
        new(Anonymous, AnonymousGroups, "list", "", "namespaces"),
        new(Anonymous, AnonymousGroups, "get", Path: "/api"),
        new(Anonymous, AnonymousGroups, "get", Path: "/apis"),
    ];

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var found = false;
        foreach (var obj in context.Snapshot.Objects)
        {
            if (obj.Kind != "Policy" || !obj.ApiVersion.StartsWith("audit.k8s.io/", StringComparison.Ordinal))
            {
                continue;
            }

            found = true;
            var name = obj.Name.Length > 0 ? obj.Name : obj.Source is { } src ? System.IO.Path.GetFileName(src.File) : "audit-policy";
            var unit = results.Begin(new ResourceRef(obj.ApiVersion, "Policy", null, name), obj.Source);
            EvaluatePolicy(new AuditPolicy(obj.Json), unit);
        }

        if (!found)
        {
            results.Begin(context.ClusterRef).Manual(
                "the audit policy file is not visible through the Kubernetes API: attest its content (KH-MAN-009), " +
                "or include the audit.k8s.io Policy document in the scanned input to evaluate it automatically");
        }
    }

    internal static void EvaluatePolicy(AuditPolicy policy, Unit unit)
    {
        var invalid = policy.InvalidRules().ToList();
        if (invalid.Count > 0)
        {
            unit.Unknown($"rules[{invalid[0].Index}] has level \"{invalid[0].Level ?? "<unset>"}\", which the API server rejects " +
                         "(valid: None, Metadata, Request, RequestResponse)");
            return;
        }

        foreach (var t in MetadataOnly)
        {
            Report(policy, unit, t, level => level == "Metadata", "metadata-only",
                "must be logged at exactly Metadata (higher levels copy secret material into the audit log)");
        }

        foreach (var t in MustLog)
        {
            Report(policy, unit, t, level => level != AuditPolicy.None, "not-logged", "must be logged (not None)");
        }

        var catchAll = policy.CatchAllRule();
        if (catchAll < 0)
        {
            unit.Fail("the policy has no catch-all rule: requests that match no rule are not logged (implicit None)",
                "rules", $"{policy.RuleCount} rules, none unrestricted", key: "catch-all");
        }
        else if (policy.EffectiveLevel(catchAll) == AuditPolicy.None)
        {
            unit.Fail($"the catch-all rule rules[{catchAll}] is None: every request not matched earlier is dropped",
                $"rules[{catchAll}].level", "None", key: "catch-all");
        }

        foreach (var probe in AnonymousProbes)
        {
            var (level, rule) = policy.Evaluate(probe);
            if (level == AuditPolicy.None)
            {
                unit.Fail($"requests by system:anonymous ({probe.Describe()}) are not logged" +
                          (rule < 0 ? " (no rule matches them)" : $" (dropped by rules[{rule}])"),
                    rule < 0 ? "rules" : $"rules[{rule}].level", rule < 0 ? "<no matching rule>" : "None", key: "anonymous");
                break;
            }
        }
    }

    /// <summary>Probes every verb of a target and reports the levels that break the requirement, grouped by level.</summary>
    private static void Report(AuditPolicy policy, Unit unit, Target t, Func<string, bool> ok, string keyPrefix, string requirement)
    {
        List<(string Level, List<string> Verbs, int Rule)>? bad = null;
        foreach (var verb in t.Verbs)
        {
            var request = new AuditRequest(User, UserGroups, verb, t.Group, t.Resource, t.Subresource, t.Namespaced ? ProbeNamespace : "");
            var (level, rule) = policy.Evaluate(request);
            if (ok(level))
            {
                continue;
            }

            bad ??= [];
            var i = bad.FindIndex(b => b.Level == level);
            if (i < 0)
            {
                bad.Add((level, [verb], rule));
            }
            else
            {
                bad[i].Verbs.Add(verb);
            }
        }

        if (bad is null)
        {
            return;
        }

        var parts = bad.Select(b => (b.Level == AuditPolicy.None ? "not logged" : "logged at " + b.Level) +
                                    $" ({string.Join(", ", b.Verbs)}; {(b.Rule < 0 ? "no rule matches" : $"rules[{b.Rule}]")})");
        var first = bad[0];
        unit.Fail($"{t.Name} requests {requirement}: {string.Join("; ", parts)}",
            first.Rule < 0 ? "rules" : $"rules[{first.Rule}].level", first.Rule < 0 ? "<no matching rule>" : first.Level,
            key: keyPrefix + ":" + t.Name);
    }
}
