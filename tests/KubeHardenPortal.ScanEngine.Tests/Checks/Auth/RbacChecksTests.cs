using System.Text;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Auth;

/// <summary>Behaviour of the per-subject RBAC checks that fixtures alone do not pin down.</summary>
public sealed class RbacChecksTests
{
    private static readonly string[] RbacResources = ["roles", "rolebindings", "clusterroles", "clusterrolebindings"];

    internal static ClusterSnapshot ClusterFrom(string yaml, string version = "v1.31.2", IEnumerable<string>? collected = null, int? probe = null)
    {
        var load = new InputLoader().LoadText("cluster.yaml", yaml);
        Assert.Empty(load.Errors);
        var coverage = (collected ?? RbacResources.Select(r => r + ".rbac.authorization.k8s.io").Append("namespaces").Append("pods"))
            .Select(r => new CoverageEntry(r, CoverageStatus.Collected, null, null));
        return new ClusterSnapshot(SnapshotMode.Cluster,
            new ClusterInfo("c1", version, null, null, null, null, ControlPlaneVisibility.Auto),
            load.Snapshot.Objects, coverage, [], probe);
    }

    private const string TwoSubjects = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: secret-reader}
        rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: readers}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
        subjects:
        - {kind: ServiceAccount, name: a, namespace: x}
        - {kind: User, name: bob}
        """;

    [Fact]
    public void FindingsArePerSubject_OnTheBinding_WithTheSubjectInTheFingerprint()
    {
        var findings = Scan.Yaml(TwoSubjects, "KH-AUTH-008").Failures("KH-AUTH-008").ToList();
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal("ClusterRoleBinding", f.Resource.Kind));
        Assert.Equal(new[] { "subjects[0]", "subjects[1]" }, findings.Select(f => f.Evidence!.Path).Order());
        Assert.Contains(findings, f => f.SubKey == "ServiceAccount:x/a|secrets");
        Assert.Contains(findings, f => f.SubKey == "User:bob|secrets");
        Assert.NotEqual(findings[0].Fingerprint, findings[1].Fingerprint);
        Assert.All(findings, f => Assert.Contains("secret-reader", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Fingerprints_DoNotDependOnSubjectOrder()
    {
        var swapped = TwoSubjects.Replace("""
            - {kind: ServiceAccount, name: a, namespace: x}
            - {kind: User, name: bob}
            """, """
            - {kind: User, name: bob}
            - {kind: ServiceAccount, name: a, namespace: x}
            """, StringComparison.Ordinal);
        Assert.NotEqual(TwoSubjects, swapped);
        var before = Scan.Yaml(TwoSubjects, "KH-AUTH-008").Failures("KH-AUTH-008").Select(f => f.Fingerprint).Order();
        var after = Scan.Yaml(swapped, "KH-AUTH-008").Failures("KH-AUTH-008").Select(f => f.Fingerprint).Order();
        Assert.Equal(before, after);
    }

    [Fact]
    public void SameSubjectThroughTwoBindings_IsReportedOnEachBinding()
    {
        var yaml = TwoSubjects + """

            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: local-readers, namespace: x}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
            subjects: [{kind: User, name: bob}]
            """;
        var bob = Scan.Yaml(yaml, "KH-AUTH-008").Failures("KH-AUTH-008").Where(f => f.SubKey!.StartsWith("User:bob", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, bob.Count);
        Assert.Equal(Severity.High, bob.Single(f => f.Resource.Kind == "ClusterRoleBinding").Severity);
        Assert.Equal(Severity.Medium, bob.Single(f => f.Resource.Kind == "RoleBinding").Severity);
    }

    private const string UnboundDangerousRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: kitchen-sink}
        rules:
        - apiGroups: ["*"]
          resources: ["*"]
          verbs: ["*"]
        """;

    private const string UnboundPermissions = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: many-things}
        rules:
        - apiGroups: [""]
          resources: ["secrets", "pods/exec", "pods", "nodes/proxy", "users"]
          verbs: ["get", "create", "impersonate"]
        """;

    [Theory]
    [InlineData("KH-AUTH-006", UnboundDangerousRole, Severity.High)]
    [InlineData("KH-AUTH-007", """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: wild, namespace: a}
        rules: [{apiGroups: ["apps"], resources: ["*"], verbs: ["get"]}]
        """, Severity.Medium)]
    [InlineData("KH-AUTH-008", UnboundPermissions, Severity.High)]
    [InlineData("KH-AUTH-009", UnboundPermissions, Severity.Medium)]
    [InlineData("KH-AUTH-010", UnboundPermissions, Severity.High)]
    [InlineData("KH-AUTH-012", UnboundPermissions, Severity.High)]
    public void UnboundRole_IsReportedOnTheRole_LowOnlyWhenTheClusterSnapshotHoldsEveryBinding(string checkId, string yaml, Severity manifestSeverity)
    {
        var manifest = Scan.Yaml(yaml, checkId).Failures(checkId).ToList();
        Assert.NotEmpty(manifest);
        Assert.All(manifest, f => Assert.Contains(f.Resource.Kind, new[] { "Role", "ClusterRole" }));
        Assert.Contains(manifest, f => f.Severity == manifestSeverity);
        Assert.All(manifest, f => Assert.Contains("no binding in the scanned input", f.Message, StringComparison.Ordinal));

        var latent = Scan.Run(ClusterFrom(yaml), checkId, null).Failures(checkId).ToList();
        Assert.NotEmpty(latent);
        Assert.All(latent, f => Assert.Equal(Severity.Low, f.Severity));
        Assert.All(latent, f => Assert.Contains("latent", f.Message, StringComparison.Ordinal));

        // Bindings not collected: the role may be bound through them, so it is not merely latent.
        var partial = Scan.Run(ClusterFrom(yaml, collected: ["roles.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io"]), checkId, null);
        Assert.Contains(partial.Failures(checkId), f => f.Severity == manifestSeverity);
        Assert.Contains(partial.Findings, f => f.CheckId == checkId && f.Status == ResultStatus.Unknown && f.Resource.Kind == "Cluster");
    }

    [Fact]
    public void BindingToAbsentRole_IsUnknownInManifests_NeverAFailure()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: elsewhere}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: defined-elsewhere}
            subjects: [{kind: User, name: u}]
            """;
        foreach (var id in new[] { "KH-AUTH-006", "KH-AUTH-008", "KH-AUTH-009", "KH-AUTH-010", "KH-AUTH-012" })
        {
            var report = Scan.Yaml(yaml, id);
            Assert.Empty(report.Failures(id));
            Assert.Equal(1, report.Checks.Single().Unknown);
        }
    }

    [Theory]
    [InlineData("v1.34.3", true)]
    [InlineData("v1.35.0", false)]
    [InlineData("v1.36.1", false)]
    public void Exec_GetCountsBefore135(string version, bool fails)
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r, namespace: a}
            rules: [{apiGroups: [""], resources: ["pods/portforward"], verbs: ["get"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: r, namespace: a}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
            subjects: [{kind: User, name: u}]
            """;
        Assert.Equal(fails, Scan.Run(ClusterFrom(yaml, version), "KH-AUTH-009", null).Failures("KH-AUTH-009").Any());
    }

    [Fact]
    public void Exec_VersionIsTakenFromTheApiServerImageInManifests()
    {
        const string yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: kube-apiserver-cp1
              namespace: kube-system
              labels: {component: kube-apiserver, tier: control-plane}
            spec:
              containers:
              - name: kube-apiserver
                image: registry.k8s.io/kube-apiserver:v1.35.2
                command: [kube-apiserver, --authorization-mode=Node,RBAC]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: attach-get}
            rules: [{apiGroups: [""], resources: ["pods/attach"], verbs: ["get"]}]
            """;
        Assert.Empty(Scan.Yaml(yaml, "KH-AUTH-009").Failures("KH-AUTH-009"));
        Assert.NotEmpty(Scan.Yaml(yaml.Replace("v1.35.2", "v1.33.5", StringComparison.Ordinal), "KH-AUTH-009").Failures("KH-AUTH-009"));
    }

    [Fact]
    public void Exec_ProductionLabelsComeFromTheTenantOptions()
    {
        const string yaml = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: pay, labels: {tier: critical}}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r, namespace: pay}
            rules: [{apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: r, namespace: pay}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
            subjects: [{kind: User, name: u}]
            """;
        Assert.Equal(Severity.Medium, Scan.Yaml(yaml, "KH-AUTH-009").Failures("KH-AUTH-009").Single().Severity);
        var options = new ScanOptions { ProductionNamespaceLabels = ["tier=critical"] };
        Assert.Equal(Severity.High, Scan.Yaml(yaml, "KH-AUTH-009", options).Failures("KH-AUTH-009").Single().Severity);
    }

    [Fact]
    public void EscalateBindImpersonate_IsLinkedNotRescored_ForClusterAdmins()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: root}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: User, name: admin-anna}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: impersonator}
            rules: [{apiGroups: [""], resources: ["users"], verbs: ["impersonate"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: impersonators}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
            subjects:
            - {kind: User, name: admin-anna}
            - {kind: User, name: bob}
            """;
        var report = Scan.Yaml(yaml, "KH-AUTH-010");
        var f = Assert.Single(report.Failures("KH-AUTH-010"));
        Assert.Equal("User:bob|impersonate", f.SubKey);
        Assert.Equal(1, report.Checks.Single().NotApplicable); // the cluster-admin binding itself: scored by KH-AUTH-006
    }

    [Fact]
    public void CsrApproval_NamedSignersAreMedium()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: kubelet-serving-approver}
            rules:
            - {apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"]}
            - {apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["kubernetes.io/kubelet-serving"], verbs: ["approve"]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: approver}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubelet-serving-approver}
            subjects: [{kind: ServiceAccount, name: approver, namespace: certs}]
            """;
        var f = Assert.Single(Scan.Yaml(yaml, "KH-AUTH-012").Failures("KH-AUTH-012"));
        Assert.Equal(Severity.Medium, f.Severity);
        Assert.Contains("kubernetes.io/kubelet-serving", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PodCreate_ClusterWideIsMediumOnlyWhenEveryNamespaceEnforcesPss()
    {
        const string rbac = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: pod-maker}
            rules: [{apiGroups: [""], resources: ["pods"], verbs: ["create"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: pod-maker}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-maker}
            subjects: [{kind: User, name: u}]
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: a, labels: {pod-security.kubernetes.io/enforce: baseline}}
            """;
        Assert.Equal(Severity.Medium, Scan.Run(ClusterFrom(rbac), "KH-AUTH-012", null).Failures("KH-AUTH-012").Single().Severity);
        var withKubeSystem = rbac + "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n";
        Assert.Equal(Severity.High, Scan.Run(ClusterFrom(withKubeSystem), "KH-AUTH-012", null).Failures("KH-AUTH-012").Single().Severity);
        Assert.Equal(Severity.High, Scan.Yaml(rbac, "KH-AUTH-012").Failures("KH-AUTH-012").Single().Severity); // manifests: unknown namespaces
    }

    [Fact]
    public void AnonymousBindings_UnknownWhenBindingsWereNotCollected()
    {
        var snapshot = ClusterFrom("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", collected: ["namespaces"]);
        var report = Scan.Run(snapshot, "KH-AUTH-011", null);
        Assert.Equal(1, report.Checks.Single().Unknown);
        Assert.Empty(report.Failures("KH-AUTH-011"));
    }

    [Fact]
    public void AnonymousBindings_AreDormant_WhenTheProbeIsRejected()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: anon}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: User, name: system:anonymous}]
            """;
        Assert.Equal(Severity.Critical, Scan.Run(ClusterFrom(yaml, probe: 403), "KH-AUTH-011", null).Failures("KH-AUTH-011").Single().Severity);
        var dormant = Scan.Run(ClusterFrom(yaml, probe: 401), "KH-AUTH-011", null).Failures("KH-AUTH-011").Single();
        Assert.Equal(Severity.High, dormant.Severity);
        Assert.Contains("dormant", dormant.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LegacyTokens_NeverExposeSecretData()
    {
        const string token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldC10b2tlbi12YWx1ZSJ9";
        var yaml = $$"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: t
              namespace: ci
              annotations: {kubernetes.io/service-account.name: deployer}
            type: kubernetes.io/service-account-token
            data: {token: {{token}}}
            """;
        var report = Scan.Yaml(yaml, "KH-AUTH-013");
        var f = Assert.Single(report.Failures("KH-AUTH-013"));
        Assert.DoesNotContain(token[..10], f.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token[..10], f.Evidence?.Value ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void LargeRbacSnapshot_OfHarmlessRoles_HasNoFailures()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 1500; i++)
        {
            sb.Append(CultureInvariant($$"""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: r{{i}}, namespace: ns{{i % 50}}}
                rules:
                - {apiGroups: [""], resources: ["pods", "pods/log", "configmaps"], verbs: ["get", "list", "watch"]}
                - {apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"]}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: b{{i}}, namespace: ns{{i % 50}}}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r{{i}}}
                subjects: [{kind: ServiceAccount, name: sa{{i}}}, {kind: Group, name: g{{i % 7}}}]
                ---

                """));
        }

        var snapshot = ClusterFrom(sb.ToString());
        var report = Scanner.Evaluate(snapshot, new ScanOptions
        {
            OnlyChecks = new HashSet<string> { "KH-AUTH-006", "KH-AUTH-007", "KH-AUTH-008", "KH-AUTH-009", "KH-AUTH-010", "KH-AUTH-011", "KH-AUTH-012", "KH-AUTH-013" },
        });
        // Correctness at scale only; the cost is measured by the benchmarks, never asserted here.
        Assert.DoesNotContain(report.Findings, f => f.Status == ResultStatus.Fail);
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);

    [Fact(DisplayName = "Assessment cache: one role bound to a service account and a user keeps their different severities (KH-AUTH-006)")]
    public void AssessmentCache_KeepsSubjectDependentSeverity()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: everything}
            rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: all}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}
            subjects:
            - {kind: User, name: alice}
            - {kind: ServiceAccount, name: deployer, namespace: ci}
            - {kind: User, name: bob}
            """;
        var findings = Scan.Yaml(yaml, "KH-AUTH-006").Failures("KH-AUTH-006").ToList();
        Assert.Equal(3, findings.Count);
        Assert.Equal(Severity.Critical, findings.Single(f => f.SubKey!.StartsWith("ServiceAccount:", StringComparison.Ordinal)).Severity);
        Assert.All(findings.Where(f => f.SubKey!.StartsWith("User:", StringComparison.Ordinal)), f => Assert.Equal(Severity.High, f.Severity));
    }

    [Fact(DisplayName = "Assessment cache: one ClusterRole bound in two namespaces keeps each namespace's PSA-based severity (KH-AUTH-012)")]
    public void AssessmentCache_KeepsNamespaceDependentSeverity()
    {
        const string yaml = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: open}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: restricted}}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: pod-maker}
            rules: [{apiGroups: [""], resources: ["pods"], verbs: ["create"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: makers, namespace: open}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-maker}
            subjects: [{kind: User, name: bob}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: makers, namespace: locked}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-maker}
            subjects: [{kind: User, name: bob}]
            """;
        var findings = Scan.Run(ClusterFrom(yaml), "KH-AUTH-012", null).Failures("KH-AUTH-012").ToList();
        Assert.Equal(Severity.High, findings.Single(f => f.Resource.Namespace == "open").Severity);
        Assert.Equal(Severity.Medium, findings.Single(f => f.Resource.Namespace == "locked").Severity);
    }
}
