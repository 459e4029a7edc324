using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Rbac;

/// <summary>The RBAC engine (CATALOG.md §1.9): resolution, scope, aggregation, bootstrap-by-content, subjects.</summary>
public sealed class RbacEngineTests
{
    private static readonly PermissionProbe ExecCreate = new("exec", ["create"], "", "pods", "exec");
    private static readonly PermissionProbe NodesProxy = new("proxy", ["get"], "", "nodes", "proxy", ClusterScoped: true);
    private static readonly PermissionProbe SecretsGet = new("secrets", ["get"], "", "secrets");

    private static RbacEngine Manifests(string yaml)
    {
        var load = new InputLoader().LoadText("rbac.yaml", yaml);
        Assert.Empty(load.Errors);
        return new ScanContext(load.Snapshot, new ScanOptions()).Rbac;
    }

    private static RbacEngine Cluster(string yaml, bool rbacCollected = true)
    {
        var load = new InputLoader().LoadText("rbac.yaml", yaml);
        Assert.Empty(load.Errors);
        var coverage = rbacCollected
            ? new[] { "roles", "rolebindings", "clusterroles", "clusterrolebindings" }
                .Select(r => new CoverageEntry(r + ".rbac.authorization.k8s.io", CoverageStatus.Collected, null, null))
            : [];
        var snapshot = new ClusterSnapshot(SnapshotMode.Cluster,
            new ClusterInfo("c1", "v1.31.2", null, null, null, null, ControlPlaneVisibility.Auto),
            load.Snapshot.Objects, coverage, []);
        return new ScanContext(snapshot, new ScanOptions()).Rbac;
    }

    private static RbacBinding Binding(RbacEngine e, string name) => e.Bindings.Single(b => b.Name == name);

    private const string ExecClusterRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: debugger}
        rules:
        - apiGroups: [""]
          resources: ["pods/exec", "nodes/proxy", "secrets"]
          verbs: ["create", "get"]
        - nonResourceURLs: ["/metrics"]
          verbs: ["get"]
        """;

    [Fact]
    public void RoleBinding_ToClusterRole_GrantsOnlyNamespacedPermissionsInItsNamespace()
    {
        var e = Manifests(ExecClusterRole + """

            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: dbg, namespace: shop}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: debugger}
            subjects: [{kind: ServiceAccount, name: tool}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: dbg-all}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: debugger}
            subjects: [{kind: User, name: ops}]
            """);

        var rb = e.Grants(Binding(e, "dbg")).Single();
        Assert.False(rb.IsCluster);
        Assert.Equal("shop", rb.Access.Namespace);
        Assert.True(rb.Allows(ExecCreate).Any);
        Assert.False(rb.Allows(NodesProxy).Any); // cluster-scoped: nothing through a RoleBinding
        Assert.Equal("ServiceAccount:shop/tool", rb.Subject.Key); // SA namespace defaults to the binding's

        var crb = e.Grants(Binding(e, "dbg-all")).Single();
        Assert.True(crb.IsCluster);
        Assert.True(crb.Allows(NodesProxy).Any);
    }

    [Fact]
    public void RoleRefs_ResolveByKindAndNamespace()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reader, namespace: a}
            rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: same-ns, namespace: a}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
            subjects: [{kind: User, name: u}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: other-ns, namespace: b}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
            subjects: [{kind: User, name: u}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: crb-to-role}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
            subjects: [{kind: User, name: u}]
            """);

        Assert.Equal(RoleResolution.Resolved, Binding(e, "same-ns").Resolution);
        Assert.Equal(RoleResolution.NotInInput, Binding(e, "other-ns").Resolution);
        Assert.Equal(RoleResolution.Invalid, Binding(e, "crb-to-role").Resolution);
        Assert.Empty(e.Grants(Binding(e, "crb-to-role")));
    }

    [Fact]
    public void MissingRole_IsUnknownInManifests_ButGrantsNothingInACompleteCluster()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: ghost}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: not-there}
            subjects: [{kind: User, name: u}]
            """;
        Assert.Equal(RoleResolution.NotInInput, Binding(Manifests(yaml), "ghost").Resolution);
        Assert.Equal(RoleResolution.Missing, Binding(Cluster(yaml), "ghost").Resolution);
        Assert.Equal(RoleResolution.NotInInput, Binding(Cluster(yaml, rbacCollected: false), "ghost").Resolution);
    }

    [Fact]
    public void BuiltInRoles_ExistVirtuallyInManifests_NotInACompleteCluster()
    {
        const string yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: devs, namespace: shop}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
            subjects: [{kind: Group, name: devs}]
            """;
        var m = Manifests(yaml);
        var edit = m.ClusterRole("edit")!;
        Assert.Equal(BootstrapStatus.Virtual, edit.Bootstrap);
        Assert.Null(edit.Object);
        Assert.True(edit.RulesComputed);
        var grant = m.Grants(Binding(m, "devs")).Single();
        Assert.True(grant.Allows(ExecCreate).Any);
        Assert.True(grant.Allows(SecretsGet).Any);
        // edit aggregates view: pods get comes from system:aggregate-to-view, two levels down.
        var podsGet = grant.Allows(new PermissionProbe("pods", ["get"], "", "pods"));
        Assert.Contains(podsGet.Rules, r => r.Rule.Source?.Name == "system:aggregate-to-view");

        var c = Cluster(yaml);
        Assert.Null(c.ClusterRole("edit"));
        Assert.Equal(RoleResolution.Missing, Binding(c, "devs").Resolution);
    }

    [Fact]
    public void Aggregation_IsComputedFromLabelSelectors_WhenRulesAreEmpty()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: top}
            aggregationRule:
              clusterRoleSelectors:
              - matchLabels: {agg/top: "true"}
              - matchExpressions: [{key: tier, operator: In, values: [gold]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: middle, labels: {agg/top: "true"}}
            aggregationRule:
              clusterRoleSelectors: [{matchLabels: {agg/middle: "true"}}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: leaf-a, labels: {agg/middle: "true"}}
            rules: [{apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: leaf-b, labels: {tier: gold}}
            rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: leaf-c, labels: {tier: silver}}
            rules: [{apiGroups: [""], resources: ["nodes"], verbs: ["get"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: top}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: top}
            subjects: [{kind: User, name: u}]
            """);

        var top = e.ClusterRole("top")!;
        Assert.Equal(2, top.Rules.Count);
        Assert.Equal(["leaf-a", "leaf-b"], top.Rules.Select(r => r.Source!.Name).Order());
        Assert.True(e.ClusterRole("middle")!.IsBound);
        Assert.True(e.ClusterRole("leaf-a")!.IsBound); // bound through two levels of aggregation
        Assert.True(e.ClusterRole("leaf-b")!.IsBound);
        Assert.False(e.ClusterRole("leaf-c")!.IsBound);
        Assert.Empty(top.OwnEvaluatedRules); // everything is reported on the sources
    }

    [Fact]
    public void Aggregation_KeepsStoredRules_AndAttributesThemToSources()
    {
        var e = Cluster("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: top}
            aggregationRule:
              clusterRoleSelectors: [{matchLabels: {agg/top: "true"}}]
            rules:
            - {apiGroups: [""], resources: ["secrets"], verbs: ["get"]}
            - {apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: src, labels: {agg/top: "true"}}
            rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
            """);

        var top = e.ClusterRole("top")!;
        Assert.False(top.RulesComputed);
        Assert.Equal("src", top.Rules[0].Source?.Name);
        Assert.Null(top.Rules[1].Source); // its source is gone: the aggregated role answers for it
        Assert.Single(top.OwnEvaluatedRules);
    }

    [Fact]
    public void Aggregation_SelectorCycles_Terminate_AndEmptySelectorSelectsAll()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: a, labels: {x: "1"}}
            aggregationRule: {clusterRoleSelectors: [{matchLabels: {y: "1"}}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: b, labels: {y: "1"}}
            aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "1"}}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: everything}
            aggregationRule: {clusterRoleSelectors: [{}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: plain}
            rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
            """);

        Assert.Empty(e.ClusterRole("a")!.Rules);
        Assert.Contains(e.ClusterRole("everything")!.Rules, r => r.Source?.Name == "plain");
    }

    [Fact]
    public void BootstrapBinding_IsRecognisedByAnnotationAndContent()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: cluster-admin
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects:
            - {kind: Group, name: system:masters}
            - {kind: User, name: intruder}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: system:discovery}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:discovery}
            subjects: [{kind: Group, name: system:authenticated}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: system:basic-user
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: Group, name: system:authenticated}]
            """);

        var admin = Binding(e, "cluster-admin");
        Assert.Equal(BootstrapStatus.Baseline, admin.Bootstrap);
        Assert.True(admin.IsBootstrapSubject(admin.Subjects[0]));
        Assert.False(admin.IsBootstrapSubject(admin.Subjects[1])); // extra subject: evaluated
        Assert.False(admin.IsFullyBootstrap);
        var grants = e.Grants(admin).ToList();
        Assert.Empty(grants[0].Rules); // baseline content for the baseline subject
        Assert.True(RbacEngine.IsAdminEquivalent(grants[1].Role, grants[1].Rules));

        Assert.Equal(BootstrapStatus.None, Binding(e, "system:discovery").Bootstrap); // no annotation
        Assert.Equal(BootstrapStatus.None, Binding(e, "system:basic-user").Bootstrap); // different roleRef
    }

    [Fact]
    public void BootstrapRole_WithExtraRules_KeepsOnlyTheExtrasAsResidual()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: system:public-info-viewer
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            rules:
            - nonResourceURLs: ["/healthz", "/version", "/metrics"]
              verbs: ["get"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: system:basic-user
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            rules:
            - apiGroups: ["authorization.k8s.io"]
              resources: ["selfsubjectaccessreviews"]
              verbs: ["create"]
            """);

        var viewer = e.ClusterRole("system:public-info-viewer")!;
        Assert.Equal(BootstrapStatus.Baseline, viewer.Bootstrap);
        var extra = Assert.Single(viewer.ResidualRules);
        Assert.Equal(new[] { "/metrics" }, extra.NonResourceUrls);
        Assert.Single(viewer.OwnEvaluatedRules);

        var basic = e.ClusterRole("system:basic-user")!;
        Assert.Empty(basic.ResidualRules);
        Assert.Empty(basic.OwnEvaluatedRules);
    }

    [Fact]
    public void BootstrapNamedRole_GetsBaselineBack_UnlessAutoupdateIsFalse()
    {
        const string template = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: cluster-admin
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "ANNOTATION"}
            rules: [{apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"]}]
            """;
        var restored = Manifests(template.Replace("ANNOTATION", "true", StringComparison.Ordinal)).ClusterRole("cluster-admin")!;
        Assert.Contains(restored.Rules, RbacMatcher.IsAdminEquivalent);
        Assert.Contains(restored.Rules, r => r.Index == -1);

        var protectedRole = Manifests(template.Replace("ANNOTATION", "false", StringComparison.Ordinal)).ClusterRole("cluster-admin")!;
        Assert.Single(protectedRole.Rules);
        Assert.DoesNotContain(protectedRole.Rules, RbacMatcher.IsAdminEquivalent);
        Assert.True(RbacEngine.IsAdminEquivalent(protectedRole, protectedRole.Rules)); // still cluster-admin by name

        // A cluster snapshot is already reconciled: its stored rules are what the authorizer uses.
        var stored = Cluster(template.Replace("ANNOTATION", "true", StringComparison.Ordinal)).ClusterRole("cluster-admin")!;
        Assert.Single(stored.Rules);
        Assert.True(RbacEngine.IsAdminEquivalent(stored, stored.Rules));
    }

    [Fact]
    public void UnverifiedBootstrap_TrustsSystemIdentitiesOnly()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: system:controller:thing-controller
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: system:controller:thing-controller
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:controller:thing-controller}
            subjects:
            - {kind: ServiceAccount, name: thing-controller, namespace: kube-system}
            - {kind: ServiceAccount, name: sneaky, namespace: default}
            - {kind: Group, name: system:authenticated}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: system:borrowed
              annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:user-made}
            subjects: [{kind: ServiceAccount, name: x, namespace: kube-system}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: system:user-made}
            rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
            """);

        Assert.Equal(BootstrapStatus.Unverified, e.ClusterRole("system:controller:thing-controller")!.Bootstrap);
        var b = Binding(e, "system:controller:thing-controller");
        Assert.Equal(BootstrapStatus.Unverified, b.Bootstrap);
        var grants = e.Grants(b).ToList();
        Assert.Empty(grants[0].Rules);
        Assert.NotEmpty(grants[1].Rules);
        Assert.NotEmpty(grants[2].Rules);

        // A "system:" binding to a role that is not itself bootstrap is not trusted.
        Assert.Equal(BootstrapStatus.None, Binding(e, "system:borrowed").Bootstrap);
    }

    [Fact]
    public void Subjects_AreNormalised()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: s}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects:
            - {kind: User, name: "system:serviceaccount:ci:deployer"}
            - {kind: ServiceAccount, name: deployer, namespace: ci}
            - {kind: Group, name: system:unauthenticated}
            - {kind: User, name: system:anonymous}
            - {kind: Group, name: system:serviceaccounts:ci}
            - {kind: Group, name: system:nodes}
            - {kind: Group, name: system:masters}
            """);
        var s = Binding(e, "s").Subjects;
        Assert.True(s[0].IsServiceAccount);
        Assert.Equal(s[1].Key, s[0].Key);
        Assert.True(s[2].IsAnonymous && s[3].IsAnonymous);
        Assert.True(s[4].IsBroad && !s[4].IsEveryone);
        Assert.True(s[5].IsNodeIdentity && s[5].IsSystemIdentity);
        Assert.True(s[6].IsMasters);
        Assert.False(s[2].IsSystemIdentity);
    }

    [Fact]
    public void GrantsForServiceAccount_IncludeItsGroups()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: direct, namespace: ci}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: ServiceAccount, name: deployer}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: ns-group}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: Group, name: system:serviceaccounts:ci}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: other-ns-group}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: Group, name: system:serviceaccounts:prod}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: everyone}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: Group, name: system:authenticated}]
            """);

        var names = e.GrantsForServiceAccount("ci", "deployer").Select(g => g.Binding.Name).Order().ToList();
        Assert.Equal(new[] { "direct", "everyone", "ns-group" }, names);
        Assert.Equal(new[] { "direct" }, e.GrantsForServiceAccount("ci", "deployer", includeGroups: false).Select(g => g.Binding.Name));
    }

    [Fact]
    public void IsClusterAdmin_LooksAtClusterRoleBindingsOfTheSubject()
    {
        var e = Manifests("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: admins}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: User, name: root}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: ns-admin, namespace: a}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: User, name: local}]
            """);
        Assert.True(e.IsClusterAdmin(Binding(e, "admins").Subjects[0]));
        Assert.False(e.IsClusterAdmin(Binding(e, "ns-admin").Subjects[0])); // namespace admin only
    }

    [Fact]
    public void BindingsComplete_OnlyForCollectedClusterSnapshots()
    {
        Assert.False(Manifests(ExecClusterRole).BindingsComplete);
        Assert.True(Cluster(ExecClusterRole).BindingsComplete);
        var partial = Cluster(ExecClusterRole, rbacCollected: false);
        Assert.False(partial.BindingsComplete);
        Assert.Equal(4, partial.MissingResources.Count);
    }

    [Fact]
    public void ShippedBaseline_LoadsAndAggregates()
    {
        var policy = BootstrapPolicy.Instance;
        Assert.True(policy.Roles.ContainsKey("cluster-admin"));
        var admin = policy.Role("admin")!;
        // admin = aggregate-to-admin + edit (aggregate-to-edit + view (aggregate-to-view)).
        Assert.Contains(admin.Rules, r => r.Resources.Contains("rolebindings"));
        Assert.Contains(admin.Rules, r => r.Resources.Contains("pods/exec"));
        Assert.Contains(admin.Rules, r => r.Resources.Contains("endpointslices"));
        Assert.DoesNotContain(policy.Role("view")!.Rules, r => r.Resources.Contains("secrets"));
        Assert.Equal("system:masters", Assert.Single(policy.Bindings["cluster-admin"].Subjects).Name);
        Assert.Equal(JsonValueKind.Object, admin.AggregationRule.ValueKind);
    }
}
