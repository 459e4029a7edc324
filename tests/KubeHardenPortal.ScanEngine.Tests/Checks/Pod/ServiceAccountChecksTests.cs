using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;
using static KubeHardenPortal.ScanEngine.Tests.Checks.Pod.PodTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Pod;

/// <summary>KH-POD-013 automount precedence and severity; KH-POD-014 units and Unknowns.</summary>
public sealed class ServiceAccountChecksTests
{
    private static string Objects(string? podAutomount, string? saAutomount, bool saPresent, string bindings = "")
    {
        var pod = podAutomount is null ? "" : $"\"automountServiceAccountToken\": {podAutomount},";
        var sa = !saPresent ? "" : saAutomount is null
            ? """{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}},"""
            : $$"""{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}, "automountServiceAccountToken": {{saAutomount}} },""";
        return $$"""
            [{{sa}} {{bindings}}
             {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
              "spec": { {{pod}} "serviceAccountName": "web", "containers": [{"name": "c", "image": "i"}]} }]
            """;
    }

    // Effective automount = pod setting, else the ServiceAccount's, else true (also when the SA object is missing).
    [Theory(DisplayName = "KH-POD-013 automount precedence pod > ServiceAccount > default true")]
    [InlineData(null, null, true, true)]
    [InlineData(null, "false", true, false)]
    [InlineData(null, "true", true, true)]
    [InlineData("true", "false", true, true)]
    [InlineData("false", "true", true, false)]
    [InlineData("false", null, false, false)]
    [InlineData(null, null, false, true)]
    public void AutomountPrecedence(string? pod, string? sa, bool saPresent, bool fails)
    {
        var report = Scan.Yaml(Snapshot("v1.31.0", Objects(pod, sa, saPresent)), "KH-POD-013");
        Assert.Equal(fails, report.Fails("KH-POD-013").Count > 0);
        Assert.Equal(fails ? 0 : 1, report.Summary("KH-POD-013").Pass);
    }

    private const string NoServiceAccounts = """
        [{"resource": "pods", "status": "collected"}, {"resource": "serviceaccounts", "status": "forbidden"},
         {"resource": "rolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"},
         {"resource": "clusterrolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"}]
        """;

    [Theory(DisplayName = "KH-POD-013: ServiceAccounts not collected → Unknown unless the pod decides")]
    [InlineData(null, "unknown")]
    [InlineData("false", "pass")]
    [InlineData("true", "fail")]
    public void AutomountWithoutServiceAccounts(string? pod, string expected)
    {
        var report = Scan.Yaml(Snapshot("v1.31.0", Objects(pod, null, false), NoServiceAccounts), "KH-POD-013");
        var s = report.Summary("KH-POD-013");
        Assert.Equal(expected, s.Unknown == 1 ? "unknown" : s.Pass == 1 ? "pass" : s.Fail == 1 ? "fail" : "?");
    }

    [Theory(DisplayName = "KH-POD-013 severity: medium with bindings beyond discovery roles, low without")]
    [InlineData("", Severity.Low)]
    [InlineData("""{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "shop"}, "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "web"}]},""", Severity.Medium)]
    [InlineData("""{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "other"}, "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "web"}]},""", Severity.Low)]
    [InlineData("""{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "system:discovery"}, "subjects": [{"kind": "Group", "name": "system:authenticated"}]},""", Severity.Low)]
    [InlineData("""{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "system:serviceaccounts"}]},""", Severity.Medium)]
    [InlineData("""{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "ServiceAccount", "name": "web"}]},""", Severity.Low)]
    public void AutomountSeverity(string binding, Severity expected)
    {
        var f = Assert.Single(Scan.Yaml(Snapshot("v1.31.0", Objects(null, null, true, binding)), "KH-POD-013").Fails("KH-POD-013"));
        Assert.Equal(expected, f.Severity);
    }

    private const string TwoNamespaces = """
        [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
         {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}},
         {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "kube-system"}},
         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb", "namespace": "shop"},
          "roleRef": {"kind": "ClusterRole", "name": "edit"}, "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "ServiceAccount", "name": "default", "namespace": "shop"}]},
         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "other", "namespace": "shop"},
          "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "cart"}]},
         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "sys"},
          "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}]},
         {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
          "spec": {"template": {"spec": {"automountServiceAccountToken": false, "containers": [{"name": "c", "image": "i"}]} } } },
         {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cart", "namespace": "shop"},
          "spec": {"template": {"spec": {"serviceAccountName": "cart", "containers": [{"name": "c", "image": "i"}]} } } },
         {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "dns", "namespace": "kube-system"},
          "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]} } } }]
        """;

    // Units: default SA of shop (fail, medium: bound) + binding rb (fail, one finding though it names shop/default twice)
    // + Deployment web (fail: runs as a bound default) + Deployment cart (pass); kube-system objects are excluded, and
    // bindings that name no default ServiceAccount are not units.
    [Fact(DisplayName = "KH-POD-014 units are counted once each")]
    public void DefaultServiceAccountUnits()
    {
        var report = Scan.Yaml(Snapshot("v1.31.0", TwoNamespaces), "KH-POD-014");
        var s = report.Summary("KH-POD-014");
        Assert.Equal((1, 3, 0, 3), (s.Pass, s.Fail, s.Unknown, s.Excluded));
        var fails = report.Fails("KH-POD-014");
        Assert.Equal(3, fails.Count);
        Assert.Contains(fails, f => f.Resource.Kind == "ServiceAccount" && f.Severity == Severity.Medium);
        Assert.Contains(fails, f => f.Resource is { Kind: "RoleBinding", Name: "rb" } && f.Evidence!.Path == "subjects[0]" && f.Severity == Severity.Medium);
        Assert.Contains(fails, f => f.Resource is { Kind: "Deployment", Name: "web" } && f.Severity == Severity.Medium);
    }

    [Fact(DisplayName = "KH-POD-014: bindings not collected → one cluster Unknown, and the unbound-looking workload is Unknown")]
    public void DefaultServiceAccountWithoutBindings()
    {
        const string coverage = """
            [{"resource": "namespaces", "status": "collected"}, {"resource": "serviceaccounts", "status": "collected"},
             {"resource": "rolebindings", "group": "rbac.authorization.k8s.io", "status": "forbidden"},
             {"resource": "clusterrolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"}]
            """;
        const string objects = """
            [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
             {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}, "automountServiceAccountToken": false},
             {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]} } } }]
            """;
        var report = Scan.Yaml(Snapshot("v1.31.0", objects, coverage), "KH-POD-014");
        var s = report.Summary("KH-POD-014");
        Assert.Equal((1, 0, 2), (s.Pass, s.Fail, s.Unknown));
        Assert.Contains(report.Unknowns("KH-POD-014"), u => u.Resource.Kind == "Cluster" && u.Message.Contains("RoleBindings", StringComparison.Ordinal));
    }

    [Fact(DisplayName = "KH-POD-014: ServiceAccounts not collected → default SA Unknown, never assumed")]
    public void DefaultServiceAccountNotCollected()
    {
        const string coverage = """
            [{"resource": "namespaces", "status": "collected"}, {"resource": "serviceaccounts", "status": "error"},
             {"resource": "rolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"},
             {"resource": "clusterrolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"}]
            """;
        var report = Scan.Yaml(Snapshot("v1.31.0", """[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]""", coverage), "KH-POD-014");
        var u = Assert.Single(report.Unknowns("KH-POD-014"));
        Assert.Equal(("ServiceAccount", "default"), (u.Resource.Kind, u.Resource.Name));
        Assert.Equal(0, report.Summary("KH-POD-014").Fail);
    }
}
