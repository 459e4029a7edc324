using System.Text.Json;
using KubeHardenPortal.ScanEngine.Checks.Logging;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Logging;

/// <summary>The audit policy matcher must agree with the API server's first-match rules (apiserver/pkg/audit/policy).</summary>
public sealed class AuditPolicyTests
{
    private static readonly string[] Authenticated = ["system:authenticated"];

    private static AuditPolicy Policy(string rulesJson) =>
        new(CompactJson.Parse($$"""{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":{{rulesJson}}}"""));

    private static AuditRequest Request(string resource, string? sub = null, string verb = "create", string group = "", string ns = "app") =>
        new("alice", Authenticated, verb, group, resource, sub, ns);

    [Theory(DisplayName = "KH-LOG-003: resource patterns match like upstream")]
    [InlineData("pods/*", "pods", null, true)]    // upstream compares the resource only, so the parent matches too
    [InlineData("pods/*", "pods", "exec", true)]
    [InlineData("*/exec", "pods", "exec", true)]
    [InlineData("*/exec", "pods", null, false)]
    [InlineData("pods", "pods", "exec", false)]   // a subresource needs its own entry
    [InlineData("pods/exec", "pods", "exec", true)]
    [InlineData("*", "pods", "exec", true)]
    [InlineData("deployments", "pods", null, false)]
    public void ResourcePatterns(string pattern, string resource, string? sub, bool matches)
    {
        var policy = Policy($$"""[{"level":"Request","resources":[{"group":"","resources":["{{pattern}}"]}]}]""");
        Assert.Equal(matches ? "Request" : "None", policy.Evaluate(Request(resource, sub)).Level);
    }

    [Fact(DisplayName = "KH-LOG-003: the first matching rule decides, later rules are not consulted")]
    public void FirstMatchWins()
    {
        var policy = Policy("""[{"level":"None","verbs":["get"]},{"level":"Metadata"}]""");
        Assert.Equal(("None", 0), policy.Evaluate(Request("secrets", verb: "get")));
        Assert.Equal(("Metadata", 1), policy.Evaluate(Request("secrets", verb: "list")));
    }

    [Fact(DisplayName = "KH-LOG-003: no matching rule means None")]
    public void NoMatchIsNone() =>
        Assert.Equal(("None", -1), Policy("""[{"level":"Metadata","verbs":["delete"]}]""").Evaluate(Request("pods")));

    [Fact(DisplayName = "KH-LOG-003: a group entry without resources matches the whole group, and only that group")]
    public void GroupOnly()
    {
        var policy = Policy("""[{"level":"RequestResponse","resources":[{"group":"rbac.authorization.k8s.io"}]}]""");
        Assert.Equal("RequestResponse", policy.Evaluate(Request("clusterroles", group: "rbac.authorization.k8s.io", ns: "")).Level);
        Assert.Equal("None", policy.Evaluate(Request("pods")).Level);
    }

    [Fact(DisplayName = "KH-LOG-003: resourceNames never match a request that names no object")]
    public void ResourceNamesNarrow() =>
        Assert.Equal("None", Policy("""[{"level":"Request","resources":[{"group":"","resources":["configmaps"],"resourceNames":["cluster-info"]}]}]""")
            .Evaluate(Request("configmaps")).Level);

    [Fact(DisplayName = "KH-LOG-003: namespaces lists use \"\" for cluster-scoped requests")]
    public void NamespacesList()
    {
        var policy = Policy("""[{"level":"Request","namespaces":[""]}]""");
        Assert.Equal("Request", policy.Evaluate(Request("nodes", ns: "")).Level);
        Assert.Equal("None", policy.Evaluate(Request("pods", ns: "app")).Level);
    }

    [Fact(DisplayName = "KH-LOG-003: nonResourceURLs match paths by exact text or trailing *, never resource requests")]
    public void NonResourceUrls()
    {
        var policy = Policy("""[{"level":"Metadata","nonResourceURLs":["/healthz*","/version"]}]""");
        Assert.Equal("Metadata", policy.Evaluate(new AuditRequest("alice", Authenticated, "get", Path: "/healthz/etcd")).Level);
        Assert.Equal("Metadata", policy.Evaluate(new AuditRequest("alice", Authenticated, "get", Path: "/version")).Level);
        Assert.Equal("None", policy.Evaluate(new AuditRequest("alice", Authenticated, "get", Path: "/versions")).Level);
        Assert.Equal("None", policy.Evaluate(Request("pods", verb: "get")).Level);
    }

    [Fact(DisplayName = "KH-LOG-003: users and userGroups narrow a rule to those identities")]
    public void UsersAndGroups()
    {
        var policy = Policy("""[{"level":"None","users":["system:kube-proxy"]},{"level":"None","userGroups":["system:nodes"]},{"level":"Request"}]""");
        Assert.Equal("None", policy.Evaluate(new AuditRequest("system:kube-proxy", Authenticated, "watch", "", "services")).Level);
        Assert.Equal("None", policy.Evaluate(new AuditRequest("system:node:n1", ["system:nodes", "system:authenticated"], "get", "", "nodes")).Level);
        Assert.Equal("Request", policy.Evaluate(Request("services", verb: "watch")).Level);
    }

    [Fact(DisplayName = "KH-LOG-003: omitting every stage of a normal request silences a rule")]
    public void OmitStagesSilence()
    {
        var json = """{"kind":"Policy","omitStages":["RequestReceived","ResponseStarted"],"rules":[{"level":"Request","omitStages":["ResponseComplete"]},{"level":"Metadata"}]}""";
        var policy = new AuditPolicy(CompactJson.Parse(json));
        Assert.Equal("None", policy.Evaluate(Request("pods")).Level);
        Assert.Equal("Metadata", policy.EffectiveLevel(1));
    }

    [Fact(DisplayName = "KH-LOG-003: the catch-all is the first rule that restricts nothing")]
    public void CatchAll()
    {
        Assert.Equal(1, Policy("""[{"level":"None","verbs":["watch"]},{"level":"Metadata"},{"level":"None"}]""").CatchAllRule());
        Assert.Equal(-1, Policy("""[{"level":"None","verbs":["watch"]}]""").CatchAllRule());
    }

    [Fact(DisplayName = "KH-LOG-003: a policy file without metadata loads, is cluster-scoped and is evaluated")]
    public void PolicyFileWithoutMetadata()
    {
        var report = Scan.Yaml("""
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: RequestResponse
            """, "KH-LOG-003");
        var failures = report.Failures("KH-LOG-003").ToList();
        Assert.Equal(["metadata-only:secrets", "metadata-only:configmaps", "metadata-only:tokenreviews"], failures.Select(f => f.SubKey));
        Assert.All(failures, f => Assert.Null(f.Resource.Namespace));
        Assert.Equal(0, report.Checks.Single().Manual);
    }

    [Fact(DisplayName = "KH-LOG-003: without a policy document the check is one Manual unit")]
    public void ManualWithoutPolicy()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c, namespace: app}
            """, "KH-LOG-003");
        var summary = report.Checks.Single();
        Assert.Equal((1, 0, 0), (summary.Manual, summary.Fail, summary.Pass));
        Assert.Equal(ResultStatus.Manual, report.Findings.Single().Status);
    }
}
