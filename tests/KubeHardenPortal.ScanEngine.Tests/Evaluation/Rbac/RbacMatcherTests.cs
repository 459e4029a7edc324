using KubeHardenPortal.ScanEngine.Evaluation.Rbac;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Rbac;

/// <summary>Rule matching as the upstream RBAC authorizer does it (CATALOG.md §1.9 rule 3).</summary>
public sealed class RbacMatcherTests
{
    private static RbacRule Rule(string[] verbs, string[]? groups = null, string[]? resources = null, string[]? names = null, string[]? urls = null) =>
        new(verbs, groups ?? [""], resources ?? [], names ?? [], urls ?? [], 0);

    [Theory]
    [InlineData(new[] { "*" }, "pods", "exec", true)]
    [InlineData(new[] { "pods/exec" }, "pods", "exec", true)]
    [InlineData(new[] { "*/exec" }, "pods", "exec", true)]
    [InlineData(new[] { "pods/*" }, "pods", "exec", false)] // not a wildcard
    [InlineData(new[] { "pods/*" }, "pods", "*", true)] // only a subresource literally named "*"
    [InlineData(new[] { "pods" }, "pods", "exec", false)]
    [InlineData(new[] { "pods/exec" }, "pods", null, false)]
    [InlineData(new[] { "*/exec" }, "pods", null, false)]
    [InlineData(new[] { "*/exec" }, "pods", "execute", false)]
    [InlineData(new[] { "*/log" }, "pods", "exec", false)]
    [InlineData(new[] { "pods" }, "pods", null, true)]
    [InlineData(new[] { "Pods" }, "pods", null, false)] // case-sensitive
    public void ResourceMatches_FollowsTheAuthorizer(string[] resources, string resource, string? sub, bool expected) =>
        Assert.Equal(expected, RbacMatcher.ResourceMatches(Rule(["get"], resources: resources), resource, sub));

    [Theory]
    [InlineData(new[] { "get" }, "get", true)]
    [InlineData(new[] { "*" }, "escalate", true)]
    [InlineData(new[] { "list" }, "get", false)]
    [InlineData(new[] { "GET" }, "get", false)]
    public void VerbMatches_ExactOrStar(string[] verbs, string verb, bool expected) =>
        Assert.Equal(expected, RbacMatcher.VerbMatches(Rule(verbs), verb));

    [Theory]
    [InlineData(new[] { "" }, "", true)]
    [InlineData(new[] { "" }, "apps", false)]
    [InlineData(new[] { "apps" }, "", false)]
    [InlineData(new[] { "*" }, "rbac.authorization.k8s.io", true)]
    [InlineData(new string[0], "", false)] // no apiGroups: matches no resource request
    public void ApiGroupMatches_CoreIsEmptyString(string[] groups, string group, bool expected) =>
        Assert.Equal(expected, RbacMatcher.ApiGroupMatches(Rule(["get"], groups), group));

    [Theory]
    [InlineData("/api/*", "/api/v1", true)]
    [InlineData("/api/*", "/api", false)]
    [InlineData("/api", "/api", true)]
    [InlineData("/api*", "/apis/apps", true)]
    [InlineData("*", "/metrics", true)]
    [InlineData("/healthz", "/healthz/etcd", false)]
    public void NonResourceUrls_ExactOrTrailingStarPrefix(string ruleUrl, string path, bool expected) =>
        Assert.Equal(expected, RbacMatcher.AllowsNonResource(Rule(["get"], [], urls: [ruleUrl]), "get", path));

    [Fact]
    public void ResourceNames_NarrowNamedRequests_AndNeverMatchNamelessOnes()
    {
        var rule = Rule(["get", "create", "deletecollection", "list"], resources: ["secrets", "pods/exec"], names: ["orders-db"]);
        Assert.True(RbacMatcher.Allows(rule, "get", "", "secrets", null, "orders-db"));
        Assert.False(RbacMatcher.Allows(rule, "get", "", "secrets", null, "other"));
        Assert.False(RbacMatcher.Allows(rule, "get", "", "secrets", null, null));

        Assert.Null(RbacMatcher.Match(rule, new PermissionProbe("c", ["create"], "", "secrets")));
        Assert.Null(RbacMatcher.Match(rule, new PermissionProbe("d", ["deletecollection"], "", "secrets")));
        Assert.Equal(MatchStrength.NamedOnly, RbacMatcher.Match(rule, new PermissionProbe("l", ["list"], "", "secrets"))!.Strength);
        // A subresource request on a named object is narrowed normally.
        Assert.Equal(MatchStrength.NamedOnly, RbacMatcher.Match(rule, new PermissionProbe("x", ["create"], "", "pods", "exec"))!.Strength);
    }

    [Fact]
    public void Match_ReportsGrantedVerbsInProbeOrder()
    {
        var rules = new[] { Rule(["watch", "get"], resources: ["secrets"]), Rule(["list"], resources: ["secrets"]) };
        var m = RbacMatcher.Match(rules, new PermissionProbe("r", ["get", "list", "watch"], "", "secrets"));
        Assert.Equal(new[] { "get", "list", "watch" }, m.Verbs);
        Assert.Equal(MatchStrength.Full, m.Strength);
        Assert.Equal(2, m.Rules.Count);

        var star = RbacMatcher.Match([Rule(["*"], ["*"], ["*"])], new PermissionProbe("r", ["get", "list"], "", "secrets"));
        Assert.Equal(new[] { "get", "list" }, star.Verbs);
    }

    [Fact]
    public void AnyVerbProbe_MatchesWhateverTheRuleLists()
    {
        var m = RbacMatcher.Match([Rule(["proxy", "get"], resources: ["nodes/proxy"])], new PermissionProbe("p", null, "", "nodes", "proxy", ClusterScoped: true));
        Assert.Equal(new[] { "proxy", "get" }, m.Verbs);
        Assert.False(RbacMatcher.Match([Rule(["get"], resources: ["nodes/metrics"])], new PermissionProbe("p", null, "", "nodes", "proxy")).Any);
    }

    [Fact]
    public void AnySubresourceProbe_CoversUserExtras()
    {
        var probe = new PermissionProbe("ue", ["impersonate"], "authentication.k8s.io", "userextras", AnySubresource: true);
        Assert.True(RbacMatcher.Match([Rule(["impersonate"], ["authentication.k8s.io"], ["userextras/scopes"])], probe).Any);
        Assert.True(RbacMatcher.Match([Rule(["impersonate"], ["authentication.k8s.io"], ["*"])], probe).Any);
        Assert.False(RbacMatcher.Match([Rule(["impersonate"], ["authentication.k8s.io"], ["uids"])], probe).Any);
        Assert.False(RbacMatcher.Match([Rule(["impersonate"], ["authentication.k8s.io"], ["userextras"])], probe).Any);
    }

    [Theory]
    [InlineData(new[] { "*" }, new[] { "*" }, new[] { "*" }, null, true)]
    [InlineData(new[] { "" }, new[] { "*" }, new[] { "*" }, null, true)] // core-admin
    [InlineData(new[] { "*" }, new[] { "*" }, new[] { "get", "list", "watch", "create", "update", "patch", "delete" }, null, true)]
    [InlineData(new[] { "*" }, new[] { "*" }, new[] { "get", "list", "watch", "create", "update", "patch" }, null, false)]
    [InlineData(new[] { "apps" }, new[] { "*" }, new[] { "*" }, null, false)]
    [InlineData(new[] { "*" }, new[] { "pods" }, new[] { "*" }, null, false)]
    [InlineData(new[] { "*" }, new[] { "*" }, new[] { "*" }, "only-this", false)]
    public void AdminEquivalentRule(string[] groups, string[] resources, string[] verbs, string? name, bool expected) =>
        Assert.Equal(expected, RbacMatcher.IsAdminEquivalent(Rule(verbs, groups, resources, name is null ? null : [name])));

    [Theory]
    [InlineData(new[] { "get" }, new[] { "apps" }, new[] { "deployments" }, null, false)]
    [InlineData(new[] { "*" }, new[] { "apps" }, new[] { "deployments" }, null, true)]
    [InlineData(new[] { "get" }, new[] { "*" }, new[] { "deployments" }, null, true)]
    [InlineData(new[] { "get" }, new[] { "apps" }, new[] { "*/scale" }, null, true)]
    [InlineData(new[] { "get" }, new[] { "apps" }, new[] { "pods/*" }, null, false)]
    [InlineData(new[] { "get" }, new string[0], new string[0], "/metrics/*", true)]
    public void HasWildcard(string[] verbs, string[] groups, string[] resources, string? url, bool expected) =>
        Assert.Equal(expected, RbacMatcher.HasWildcard(Rule(verbs, groups, resources, urls: url is null ? null : [url])));

    [Fact]
    public void Uncovered_KeepsOnlyWhatTheOwnerDoesNotCover()
    {
        var owner = new[]
        {
            Rule(["get", "list", "watch"], [""], ["pods", "configmaps"]),
            Rule(["get"], ["apps"], ["*/scale"]),
            Rule(["get"], [], urls: ["/api/*", "/healthz"]),
        };

        Assert.Empty(RbacMatcher.Uncovered(owner, Rule(["get"], [""], ["pods"])));
        Assert.Empty(RbacMatcher.Uncovered(owner, Rule(["get"], ["apps"], ["deployments/scale"])));
        Assert.Empty(RbacMatcher.Uncovered(owner, Rule(["get"], [], urls: ["/api/v1"])));

        var residual = RbacMatcher.Uncovered(owner, Rule(["get", "list"], [""], ["pods", "secrets"]));
        var r = Assert.Single(residual);
        Assert.Equal(new[] { "secrets" }, r.Resources);
        Assert.Equal(new[] { "get", "list" }, r.Verbs);
        Assert.True(r.IsResidual);

        // A wildcard is only covered by a wildcard.
        Assert.Single(RbacMatcher.Uncovered(owner, Rule(["get"], [""], ["*"])));
        Assert.Single(RbacMatcher.Uncovered(owner, Rule(["*"], [""], ["pods"])));
        Assert.Single(RbacMatcher.Uncovered(owner, Rule(["get"], [], urls: ["/metrics"])));
    }

    [Fact]
    public void Uncovered_ResourceNames_AreCoveredOnlyByUnnamedOrSameNames()
    {
        var owner = new[] { Rule(["get"], [""], ["configmaps"], ["a", "b"]) };
        Assert.Empty(RbacMatcher.Uncovered(owner, Rule(["get"], [""], ["configmaps"], ["a"])));
        var r = Assert.Single(RbacMatcher.Uncovered(owner, Rule(["get"], [""], ["configmaps"], ["a", "c"])));
        Assert.Equal(new[] { "c" }, r.ResourceNames);
        Assert.Single(RbacMatcher.Uncovered(owner, Rule(["get"], [""], ["configmaps"])));
    }
}
