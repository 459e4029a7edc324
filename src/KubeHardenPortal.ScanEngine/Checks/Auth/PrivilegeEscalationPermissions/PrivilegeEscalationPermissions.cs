using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>KH-AUTH-012: other privilege-escalation permissions minimised (CATALOG.md §4, sub-rules a–g).</summary>
public sealed class PrivilegeEscalationPermissions : RbacPermissionCheck
{
    private const string Admission = "admissionregistration.k8s.io";
    private const string Certificates = "certificates.k8s.io";

    private static readonly PermissionProbe[] CreateWorkloads =
    [
        new("pods", ["create"], "", "pods"),
        new("replicationcontrollers", ["create"], "", "replicationcontrollers"),
        new("deployments", ["create"], "apps", "deployments"),
        new("replicasets", ["create"], "apps", "replicasets"),
        new("statefulsets", ["create"], "apps", "statefulsets"),
        new("daemonsets", ["create"], "apps", "daemonsets"),
        new("jobs", ["create"], "batch", "jobs"),
        new("cronjobs", ["create"], "batch", "cronjobs"),
    ];

    // "pods", "apps/deployments"...: the names sub-rule a lists, formatted once.
    private static readonly string[] CreateLabels =
        [.. CreateWorkloads.Select(p => p.ApiGroup.Length == 0 ? p.Resource : p.ApiGroup + "/" + p.Resource)];

    private static readonly PermissionProbe NodesProxy = new("nodes-proxy", null, "", "nodes", "proxy", ClusterScoped: true);
    private static readonly PermissionProbe SaToken = new("sa-token", ["create"], "", "serviceaccounts", "token");
    private static readonly PermissionProbe CsrApproval = new("csr-approval", ["update"], Certificates, "certificatesigningrequests", "approval", ClusterScoped: true);
    private static readonly PermissionProbe SignerApprove = new("signers-approve", ["approve"], Certificates, "signers", ClusterScoped: true);

    private static readonly PermissionProbe[] Webhooks =
    [
        new("validating", ["create", "update", "patch", "delete"], Admission, "validatingwebhookconfigurations", ClusterScoped: true),
        new("mutating", ["create", "update", "patch", "delete"], Admission, "mutatingwebhookconfigurations", ClusterScoped: true),
    ];

    private static readonly PermissionProbe CreatePv = new("pv", ["create"], "", "persistentvolumes", ClusterScoped: true);

    private static readonly PermissionProbe[] WriteNodes =
    [
        new("nodes", ["patch", "update"], "", "nodes", ClusterScoped: true),
        new("nodes-status", ["patch", "update"], "", "nodes", "status", ClusterScoped: true),
    ];

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-012",
        Title = "Other privilege-escalation permissions minimised",
        Severity = Severity.High,
        Section = GuideSections.Authentication,
        GuideReference = "Authentication and authorization → RBAC (least privilege)",
        Target = CheckTarget.Rbac,
        Rationale = "Several permissions lead to more privilege than they name: creating pods or workloads runs any image " +
                    "with any service account and Secret of the namespace (bounded only by Pod Security Admission); " +
                    "nodes/proxy reaches the kubelet API, where even get runs commands through a WebSocket; creating " +
                    "service-account tokens, approving certificate requests, writing admission webhooks, creating " +
                    "PersistentVolumes (hostPath) and patching nodes each open a path to node or cluster takeover.",
        Remediation = "Move deploy rights to CI identities scoped per namespace, keep Pod Security Admission at baseline or " +
                      "restricted where people can create pods, and remove the other verbs from human roles. The " +
                      "scanner's own identity (get nodes/proxy for configz) belongs on the tenant allowlist.",
        FixYaml = """
            rules:
            - apiGroups: ["apps"]
              resources: ["deployments"]
              verbs: ["get", "list", "watch", "patch"]
            """,
        References = new(["C-0188", "C-0279", "C-0280", "C-0281", "C-0282"], [], null,
            ["5.1.4", "5.1.9", "5.1.10", "5.1.11", "5.1.12", "5.1.13"]),
        Collectors = ['c'],
    };

    private sealed record State(Dictionary<string, (bool Approval, bool Signers)> CsrBySubject, bool? AnyPermissiveNamespace)
    {
        // Sub-rule a's texts repeat across grants: its "what" per set of creatable kinds, its severity and note per scope.
        public Dictionary<int, string> CreateWhat { get; } = [];

        public Dictionary<string, (Severity, string)> PodCreateByNamespace { get; } = new(StringComparer.Ordinal);

        public (Severity, string)? PodCreateClusterWide { get; set; }
    }

    protected override object? Prepare(ScanContext context)
    {
        // Sub-rule d needs both halves, which may come from different ClusterRoleBindings of the same subject.
        var csr = new Dictionary<string, (bool, bool)>(StringComparer.Ordinal);
        foreach (var binding in context.Rbac.Bindings)
        {
            if (!binding.IsClusterBinding)
            {
                continue;
            }

            foreach (var grant in context.Rbac.Grants(binding))
            {
                var approval = grant.Allows(CsrApproval).Any;
                var signers = grant.Allows(SignerApprove).Any;
                if (approval || signers)
                {
                    var old = csr.GetValueOrDefault(grant.Subject.Key);
                    csr[grant.Subject.Key] = (old.Item1 || approval, old.Item2 || signers);
                }
            }
        }

        bool? permissive = null;
        if (!context.IsManifestScan && context.Snapshot.IsComplete("namespaces"))
        {
            permissive = context.OfKind("Namespace").Any(ns => AuthFacts.IsPsaPermissive(AuthFacts.PsaEnforceLevel(context, ns.Name)));
        }

        return new State(csr, permissive);
    }

    // Sub-rule d reads the subject's CSR halves, sub-rule g whether it is a node identity.
    protected override string? AssessSubjectKey(RbacSubject? subject, object? state) =>
        subject is null ? "" :
        (subject.IsNodeIdentity ? "node|" : "|") +
        (((State)state!).CsrBySubject.TryGetValue(subject.Key, out var held) && held.Approval && held.Signers ? "csr" : "");

    // Only sub-rule a reads the namespace (its Pod Security Admission level): grants that create no workloads share
    // one assessment across namespaces.
    protected override string? AssessScopeKey(RbacAccess access, object? state)
    {
        foreach (var probe in CreateWorkloads)
        {
            if (access.Allows(probe).Any)
            {
                return access.Namespace;
            }
        }

        return null;
    }

    protected override void Assess(ScanContext context, object? state, RbacAccess access, RbacSubject? subject, RbacRole role,
        List<PermissionFinding> found)
    {
        var s = (State)state!;

        // a: create pods or any workload kind. Lists are allocated once something matches: most grants match nothing.
        var created = 0; // bit i: CreateWorkloads[i]
        List<RuleMatch>? createRules = null;
        for (var i = 0; i < CreateWorkloads.Length; i++)
        {
            var m = access.Allows(CreateWorkloads[i]);
            if (m.Any)
            {
                created |= 1 << i;
                (createRules ??= []).AddRange(m.Rules);
            }
        }

        if (created != 0 && createRules is not null)
        {
            var (severity, note) = PodCreate(context, s, access);
            found.Add(new PermissionFinding("a", severity, CreateWhat(s, created), DistinctRules(createRules), note));
        }

        // b: any verb on nodes/proxy.
        var proxy = access.Allows(NodesProxy);
        if (proxy.Any)
        {
            found.Add(Finding("b", Severity.High, proxy, $"reach the kubelet API through nodes/proxy ({Verbs(proxy)})",
                "get alone runs commands in containers through a WebSocket"));
        }

        // c: mint service-account tokens.
        var token = access.Allows(SaToken);
        if (token.Any)
        {
            found.Add(Finding("c", Severity.High, token, $"mint tokens for service accounts (create serviceaccounts/token{Named(token)})", null));
        }

        // d: approve CSRs (needs both halves).
        var approval = access.Allows(CsrApproval);
        var signers = access.Allows(SignerApprove);
        if (approval.Any || signers.Any)
        {
            var both = subject is null ? approval.Any && signers.Any
                : s.CsrBySubject.TryGetValue(subject.Key, out var held) && held.Approval && held.Signers;
            if (both)
            {
                var rules = approval.Rules.Concat(signers.Rules).DistinctBy(r => r.Rule).ToList();
                var named = signers.Any && signers.NamedOnly;
                var other = approval.Any && signers.Any ? null : "the other half comes from another ClusterRoleBinding of this subject";
                var note = named ? $"signers limited to {string.Join(", ", signers.ResourceNames)}" : null;
                found.Add(new PermissionFinding("d", named ? Severity.Medium : Severity.High,
                    "approve certificate signing requests (update certificatesigningrequests/approval and approve signers)",
                    rules, string.Join("; ", new[] { "it can mint client certificates", note, other }.Where(n => n is not null))));
            }
        }

        // e: write admission webhook configurations.
        if (Allowed(access, Webhooks, VerbsOnResource) is { } hooks)
        {
            found.Add(new PermissionFinding("e", hooks.NamedOnly ? Severity.Medium : Severity.High,
                $"intercept or rewrite API objects through admission webhooks ({hooks.Text})",
                DistinctRules(hooks.Rules), hooks.NamedOnly ? "limited to named webhook configurations" : null));
        }

        // f: create PersistentVolumes (hostPath PVs bypass pod-level hostPath rules).
        var pv = access.Allows(CreatePv);
        if (pv.Any)
        {
            found.Add(Finding("f", Severity.Medium, pv, "create PersistentVolumes", "a hostPath PV bypasses pod-level hostPath rules"));
        }

        // g: patch/update nodes outside node identities.
        if (subject is not { IsNodeIdentity: true })
        {
            if (Allowed(access, WriteNodes,
                    static (p, m) => $"{string.Join('/', m.Verbs)} {(p.Subresource is null ? "nodes" : "nodes/status")}") is { } nodes)
            {
                found.Add(new PermissionFinding("g", nodes.NamedOnly ? Severity.Low : Severity.Medium,
                    $"change node labels, taints or status ({nodes.Text})",
                    DistinctRules(nodes.Rules), "labels and taints steer workloads" + (nodes.NamedOnly ? "; limited to named nodes" : "")));
            }
        }
    }

    /// <summary>"create pods or workloads (pods, apps/deployments)" for a set of <see cref="CreateWorkloads"/> bits.</summary>
    private static string CreateWhat(State s, int created)
    {
        if (!s.CreateWhat.TryGetValue(created, out var what))
        {
            var kinds = new List<string>();
            for (var i = 0; i < CreateLabels.Length; i++)
            {
                if ((created & (1 << i)) != 0)
                {
                    kinds.Add(CreateLabels[i]);
                }
            }

            what = $"create pods or workloads ({string.Join(", ", kinds)})";
            s.CreateWhat[created] = what;
        }

        return what;
    }

    /// <summary>Sub-rule a's severity and note in this scope, worked out once per namespace.</summary>
    private static (Severity, string) PodCreate(ScanContext context, State s, RbacAccess access)
    {
        if (access.IsCluster)
        {
            return s.PodCreateClusterWide ??= PodCreateSeverity(context, s, access);
        }

        if (!s.PodCreateByNamespace.TryGetValue(access.Namespace!, out var found))
        {
            found = PodCreateSeverity(context, s, access);
            s.PodCreateByNamespace[access.Namespace!] = found;
        }

        return found;
    }

    private static PermissionFinding Finding(string key, Severity severity, PermissionMatch m, string what, string? note)
    {
        var named = m.NamedOnly ? "limited to named objects: " + string.Join(", ", m.ResourceNames) : null;
        var all = note is null ? named : named is null ? note : note + "; " + named;
        return new(key, m.NamedOnly ? AuthFacts.Lower(severity) : severity, what, m.Rules, string.IsNullOrEmpty(all) ? null : all);
    }

    private static string Named(PermissionMatch m) => m.NamedOnly ? " on " + string.Join(", ", m.ResourceNames) : "";

    private const string PodCreateNote = "they run any image with any service account and Secret in scope; ";

    /// <summary>
    /// Medium, High where Pod Security Admission would admit privileged pods (label unset or privileged), with
    /// sub-rule a's note.
    /// </summary>
    private static (Severity, string) PodCreateSeverity(ScanContext context, State s, RbacAccess access)
    {
        if (access.IsCluster)
        {
            return s.AnyPermissiveNamespace == false
                ? (Severity.Medium, PodCreateNote + "every namespace enforces Pod Security Admission baseline or restricted")
                : (Severity.High, PodCreateNote + "cluster-wide, including namespaces where Pod Security Admission allows privileged pods (kube-system usually does)");
        }

        var level = AuthFacts.PsaEnforceLevel(context, access.Namespace!);
        return level switch
        {
            null => (Severity.Medium, $"{PodCreateNote}Pod Security Admission level of namespace \"{access.Namespace}\" unknown (Namespace not in the input)"),
            _ when AuthFacts.IsPsaPermissive(level) => (Severity.High,
                $"{PodCreateNote}namespace \"{access.Namespace}\" enforces {(level.Length == 0 ? "no" : level)} Pod Security Admission level: privileged pods are admitted"),
            _ => (Severity.Medium, $"{PodCreateNote}bounded by Pod Security Admission level {level}"),
        };
    }
}
