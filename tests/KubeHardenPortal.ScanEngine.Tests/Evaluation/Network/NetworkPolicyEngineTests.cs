using System.Net;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using static KubeHardenPortal.ScanEngine.Tests.Evaluation.Network.NetworkTestContext;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Network;

public sealed class NetworkPolicyEngineTests
{
    private const string Namespaces = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: orders, labels: {team: orders, env: prod}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: billing, labels: {team: billing, env: prod}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: sandbox, labels: {env: dev}}
        ---

        """;

    private static string Np(string name, string ns, string spec) => $"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec: {spec}
        ---

        """;

    // ------------------------------------------------------------ policyTypes defaulting

    [Theory]
    [InlineData("{podSelector: {}}", true, false)]
    [InlineData("{podSelector: {}, egress: []}", true, false)]
    [InlineData("{podSelector: {}, egress: [{}]}", true, true)]
    [InlineData("{podSelector: {}, ingress: [{}], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}", true, true)]
    [InlineData("{podSelector: {}, policyTypes: []}", true, false)]
    [InlineData("{podSelector: {}, policyTypes: [Egress]}", false, true)]
    [InlineData("{podSelector: {}, policyTypes: [Ingress, Egress]}", true, true)]
    [InlineData("{podSelector: {}, policyTypes: [Egress], ingress: [{}]}", false, true)]
    public void EffectivePolicyTypes(string spec, bool ingress, bool egress)
    {
        using var t = new NetworkTestContext(Np("p", "orders", spec));
        var p = t.Policy("p");
        Assert.Equal(ingress, p.IsolatesIngress);
        Assert.Equal(egress, p.IsolatesEgress);
    }

    [Fact]
    public void RulesOfADirectionNotInPolicyTypes_AreIgnored()
    {
        using var t = new NetworkTestContext(Np("p", "orders", "{podSelector: {}, policyTypes: [Egress], ingress: [{}]}"));
        Assert.Empty(t.Policy("p").Rules(PolicyDirection.Ingress));
        Assert.Single(t.Policy("p").IngressRules);
    }

    [Fact]
    public void OnlyNetworkingK8sIoPolicies_AreNative()
    {
        using var t = new NetworkTestContext("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: calico, namespace: orders}
            spec: {selector: all(), types: [Ingress]}
            ---
            apiVersion: extensions/v1beta1
            kind: NetworkPolicy
            metadata: {name: legacy, namespace: orders}
            spec: {podSelector: {}}
            """);
        Assert.Equal(["legacy"], t.Engine.All.Select(p => p.Name));
    }

    // ------------------------------------------------------------ selection and isolation

    [Fact]
    public void Selection_IsPerNamespace_AndUsesFullSelectorSemantics()
    {
        using var t = new NetworkTestContext(
            Np("api-in", "orders", "{podSelector: {matchLabels: {app: api}, matchExpressions: [{key: track, operator: NotIn, values: [canary]}]}, policyTypes: [Ingress]}") +
            Np("all-out", "billing", "{podSelector: {}, policyTypes: [Egress]}"));
        var e = t.Engine;
        Assert.True(e.IsIsolated(Pod("orders", "app", "api"), PolicyDirection.Ingress));
        Assert.True(e.IsIsolated(Pod("orders", "app", "api", "track", "stable"), PolicyDirection.Ingress));
        Assert.False(e.IsIsolated(Pod("orders", "app", "api", "track", "canary"), PolicyDirection.Ingress));
        Assert.False(e.IsIsolated(Pod("orders", "app", "api"), PolicyDirection.Egress));
        Assert.False(e.IsIsolated(Pod("billing", "app", "api"), PolicyDirection.Ingress));
        Assert.True(e.IsIsolated(Pod("billing"), PolicyDirection.Egress));
        Assert.Single(e.Selecting(Pod("orders", "app", "api")));
        Assert.Empty(e.Selecting(Pod("orders")));
    }

    [Fact]
    public void NullPodSelector_SelectsAllPods()
    {
        using var t = new NetworkTestContext("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: orders}
            spec:
              podSelector:
              policyTypes: [Ingress]
            """);
        Assert.True(t.Policy("p").SelectsAllPods);
        Assert.True(t.Engine.IsIsolated(Pod("orders", "anything", "x"), PolicyDirection.Ingress));
    }

    [Fact]
    public void NotIsolated_AllowsEverything_IsolatedWithoutRules_AllowsNothing()
    {
        using var t = new NetworkTestContext(Namespaces + Np("deny", "orders", "{podSelector: {matchLabels: {app: db}}}"));
        var web = Pod("orders", "app", "web");
        var db = Pod("orders", "app", "db");
        Assert.True(t.Engine.Ingress(web, db, 80).Allowed);
        Assert.False(t.Engine.Ingress(web, db, 80).Isolated);
        Assert.False(t.Engine.Ingress(db, web, 5432).Allowed);
        Assert.True(t.Engine.Ingress(db, web, 5432).Isolated);
        Assert.False(t.Engine.Allows(web, db, 5432));
        Assert.True(t.Engine.Allows(db, web, 80));
    }

    // ------------------------------------------------------------ peers

    [Fact]
    public void PodSelectorPeer_MeansThePolicysOwnNamespace()
    {
        using var t = new NetworkTestContext(Namespaces +
            Np("db-in", "orders", "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]}"));
        var db = Pod("orders", "app", "db");
        Assert.True(t.Engine.Ingress(db, Pod("orders", "app", "api"), 5432).Allowed);
        Assert.False(t.Engine.Ingress(db, Pod("billing", "app", "api"), 5432).Allowed);
    }

    [Fact]
    public void NamespaceSelectorPeer_MeansAllPodsOfSelectedNamespaces()
    {
        using var t = new NetworkTestContext(Namespaces +
            Np("db-in", "orders", "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: prod}}}]}]}") +
            Np("any-ns", "billing", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"));
        var db = Pod("orders", "app", "db");
        Assert.True(t.Engine.Ingress(db, Pod("billing", "x", "y"), 5432).Allowed);
        Assert.True(t.Engine.Ingress(db, Pod("orders"), 5432).Allowed);
        Assert.False(t.Engine.Ingress(db, Pod("sandbox", "app", "api"), 5432).Allowed);
        // namespaceSelector: {} is every namespace, including ones without a Namespace object in the input.
        Assert.True(t.Engine.Ingress(Pod("billing"), Pod("unknown-ns"), 80).Allowed);
        // ...but never an external address.
        Assert.False(t.Engine.Ingress(Pod("billing"), IPAddress.Parse("10.1.2.3"), 80).Allowed);
    }

    [Fact]
    public void BothSelectorsInOnePeer_AreAnAnd_TwoPeersAreAnOr()
    {
        using var t = new NetworkTestContext(Namespaces +
            Np("and", "orders", "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: billing}}, podSelector: {matchLabels: {app: invoicer}}}]}]}") +
            Np("or", "orders", "{podSelector: {matchLabels: {app: cache}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: billing}}}, {podSelector: {matchLabels: {app: invoicer}}}]}]}"));
        var db = Pod("orders", "app", "db");
        var cache = Pod("orders", "app", "cache");
        var billingInvoicer = Pod("billing", "app", "invoicer");
        var billingOther = Pod("billing", "app", "report");
        var ordersInvoicer = Pod("orders", "app", "invoicer");

        Assert.True(t.Engine.Ingress(db, billingInvoicer, 5432).Allowed);
        Assert.False(t.Engine.Ingress(db, billingOther, 5432).Allowed);
        Assert.False(t.Engine.Ingress(db, ordersInvoicer, 5432).Allowed);

        Assert.True(t.Engine.Ingress(cache, billingInvoicer, 6379).Allowed);
        Assert.True(t.Engine.Ingress(cache, billingOther, 6379).Allowed);
        Assert.True(t.Engine.Ingress(cache, ordersInvoicer, 6379).Allowed);
        Assert.False(t.Engine.Ingress(cache, Pod("sandbox", "app", "invoicer"), 6379).Allowed);
    }

    [Fact]
    public void ImplicitNamespaceNameLabel_IsAlwaysPresent()
    {
        using var t = new NetworkTestContext(
            Np("dns", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]}]}"));
        var pod = Pod("orders", "app", "web");
        Assert.True(t.Engine.Egress(pod, Pod("kube-system", "k8s-app", "kube-dns"), 53, "UDP").Allowed);
        Assert.False(t.Engine.Egress(pod, Pod("kube-system", "k8s-app", "metrics"), 53, "UDP").Allowed);
        Assert.False(t.Engine.Egress(pod, Pod("default", "k8s-app", "kube-dns"), 53, "UDP").Allowed);
        Assert.Equal("orders", t.Engine.NamespaceLabels("orders")["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void EmptyFrom_MeansAllSources_EmptyPeerIsInvalid()
    {
        using var t = new NetworkTestContext(
            Np("all", "orders", "{podSelector: {matchLabels: {app: a}}, ingress: [{from: [], ports: [{port: 80}]}]}") +
            Np("broken", "orders", "{podSelector: {matchLabels: {app: b}}, ingress: [{from: [{}]}]}") +
            Np("mixed", "orders", "{podSelector: {matchLabels: {app: c}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}"));
        Assert.True(t.Engine.Ingress(Pod("orders", "app", "a"), Pod("sandbox"), 80).Allowed);
        Assert.True(t.Engine.Ingress(Pod("orders", "app", "a"), IPAddress.Parse("203.0.113.9"), 80).Allowed);
        Assert.False(t.Engine.Ingress(Pod("orders", "app", "b"), Pod("orders"), 80).Allowed);
        Assert.NotNull(t.Policy("broken").IngressRules[0].Peers[0].Error);
        Assert.False(t.Engine.Ingress(Pod("orders", "app", "c"), IPAddress.Parse("10.1.1.1"), 80).Allowed);
        Assert.NotNull(t.Policy("mixed").IngressRules[0].Peers[0].Error);
    }

    // ------------------------------------------------------------ ipBlock

    [Fact]
    public void IpBlock_CidrMinusExcept_Ipv4AndIpv6()
    {
        using var t = new NetworkTestContext(
            Np("out", "orders", """
                {podSelector: {}, policyTypes: [Egress], egress: [{to: [
                  {ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32, 10.0.0.0/8]}},
                  {ipBlock: {cidr: "::/0", except: ["fd00:ec2::254/128"]}}]}]}
                """));
        var pod = Pod("orders");
        Assert.True(t.Engine.Egress(pod, IPAddress.Parse("93.184.216.34"), 443).Allowed);
        Assert.False(t.Engine.Egress(pod, IPAddress.Parse("169.254.169.254"), 80).Allowed);
        Assert.True(t.Engine.Egress(pod, IPAddress.Parse("169.254.169.253"), 80).Allowed);
        Assert.False(t.Engine.Egress(pod, IPAddress.Parse("10.20.30.40"), 80).Allowed);
        Assert.True(t.Engine.Egress(pod, IPAddress.Parse("2600:1f18::1"), 443).Allowed);
        Assert.False(t.Engine.Egress(pod, IPAddress.Parse("fd00:ec2::254"), 80).Allowed);
        // ipBlock peers never match pods.
        Assert.False(t.Engine.Egress(pod, Pod("billing"), 80).Allowed);
    }

    [Fact]
    public void IpBlock_Ipv4CidrDoesNotCoverIpv6()
    {
        using var t = new NetworkTestContext(Np("out", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}"));
        Assert.True(t.Engine.Egress(Pod("orders"), IPAddress.Parse("169.254.169.254"), 80).Allowed);
        Assert.False(t.Engine.Egress(Pod("orders"), IPAddress.Parse("fd00:ec2::254"), 80).Allowed);
    }

    // ------------------------------------------------------------ ports

    [Fact]
    public void Ports_ProtocolDefaultsToTcp_EndPortIsInclusive()
    {
        using var t = new NetworkTestContext(
            Np("out", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 8000, endPort: 8080}, {protocol: UDP, port: 53}, {protocol: SCTP}]}]}"));
        var pod = Pod("orders");
        var any = IPAddress.Parse("192.0.2.10");
        Assert.True(t.Engine.Egress(pod, any, 8000).Allowed);
        Assert.True(t.Engine.Egress(pod, any, 8080).Allowed);
        Assert.False(t.Engine.Egress(pod, any, 8081).Allowed);
        Assert.False(t.Engine.Egress(pod, any, 8000, "UDP").Allowed);
        Assert.True(t.Engine.Egress(pod, any, 53, "UDP").Allowed);
        Assert.False(t.Engine.Egress(pod, any, 53).Allowed);
        Assert.True(t.Engine.Egress(pod, any, 9999, "SCTP").Allowed); // protocol without port: every port
    }

    [Fact]
    public void EndPortBelowPort_IsIgnored()
    {
        using var t = new NetworkTestContext(Np("out", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 90, endPort: 80}]}]}"));
        Assert.True(t.Engine.Egress(Pod("orders"), IPAddress.Parse("192.0.2.1"), 90).Allowed);
        Assert.False(t.Engine.Egress(Pod("orders"), IPAddress.Parse("192.0.2.1"), 85).Allowed);
    }

    [Fact]
    public void NamedPorts_MatchOnlyDestinationsDeclaringThem()
    {
        using var t = new NetworkTestContext(Namespaces +
            Np("web-in", "orders", "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}") +
            Np("out", "orders", "{podSelector: {matchLabels: {app: client}}, policyTypes: [Egress], egress: [{ports: [{port: metrics}]}]}"));
        var withHttp = Pod("orders", [new DeclaredPort("http", 8080, "TCP")], "app", "web");
        var withoutName = Pod("orders", [new DeclaredPort(null, 8080, "TCP")], "app", "web");
        var udpHttp = Pod("orders", [new DeclaredPort("http", 8080, "UDP")], "app", "web");
        var client = Pod("orders", "app", "client");

        Assert.True(t.Engine.Ingress(withHttp, client, 8080).Allowed);
        Assert.False(t.Engine.Ingress(withHttp, client, 80).Allowed);
        Assert.False(t.Engine.Ingress(withoutName, client, 8080).Allowed);
        Assert.False(t.Engine.Ingress(udpHttp, client, 8080).Allowed);

        // Egress named ports resolve on the destination pod, and never match an external address.
        Assert.True(t.Engine.Egress(client, Pod("billing", [new DeclaredPort("metrics", 9090, "TCP")], "app", "x"), 9090).Allowed);
        Assert.False(t.Engine.Egress(client, Pod("billing", "app", "x"), 9090).Allowed);
        Assert.False(t.Engine.Egress(client, IPAddress.Parse("192.0.2.1"), 9090).Allowed);
    }

    [Fact]
    public void StringDigitsPort_IsANumber()
    {
        using var t = new NetworkTestContext(Np("out", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: \"443\"}]}]}"));
        Assert.True(t.Engine.Egress(Pod("orders"), IPAddress.Parse("192.0.2.1"), 443).Allowed);
    }

    [Fact]
    public void AllowedTraffic_IsTheUnionOfSelectingPolicies()
    {
        using var t = new NetworkTestContext(
            Np("a", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 443}]}]}") +
            Np("b", "orders", "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 80}]}]}"));
        var web = Pod("orders", "app", "web");
        var d = t.Engine.Egress(web, IPAddress.Parse("192.0.2.1"), 80);
        Assert.True(d.Allowed);
        Assert.Equal("b", d.Policy!.Name);
        Assert.Equal("spec.egress[0]", d.Rule!.Path);
        Assert.False(t.Engine.Egress(Pod("orders", "app", "api"), IPAddress.Parse("192.0.2.1"), 80).Allowed);
    }

    // ------------------------------------------------------------ namespace default deny

    [Fact]
    public void DefaultDeny_AndNeutralisers()
    {
        using var t = new NetworkTestContext(
            Np("deny", "orders", "{podSelector: {}, policyTypes: [Ingress, Egress]}") +
            Np("allow-all-in", "orders", "{podSelector: {}, ingress: [{}]}") +
            Np("allow-some-out", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 53, protocol: UDP}]}]}") +
            Np("app-open", "orders", "{podSelector: {matchLabels: {app: x}}, ingress: [{}]}"));
        var ingress = t.Engine.DefaultDeny("orders", PolicyDirection.Ingress);
        var egress = t.Engine.DefaultDeny("orders", PolicyDirection.Egress);
        Assert.True(ingress.HasDefaultDeny);
        Assert.Equal(["allow-all-in"], ingress.Neutralisers.Select(n => n.Policy.Name));
        Assert.True(egress.HasDefaultDeny);
        Assert.Empty(egress.Neutralisers);
        Assert.False(t.Engine.DefaultDeny("billing", PolicyDirection.Ingress).HasDefaultDeny);
    }

    [Fact]
    public void HostNetworkPods_AreNotGoverned()
    {
        using var t = new NetworkTestContext(Np("deny", "orders", "{podSelector: {}, policyTypes: [Ingress, Egress]}"));
        var host = new PodEndpoint("orders", new Dictionary<string, string>(), hostNetwork: true);
        Assert.True(t.Engine.Allows(host, host, 80));
        Assert.False(t.Engine.Allows(Pod("orders"), Pod("orders"), 80));
    }

    [Fact]
    public void EgressToAddress_ReportsTheAllowingRule()
    {
        using var t = new NetworkTestContext(
            Np("out", "orders", "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}, {to: [{ipBlock: {cidr: 169.254.0.0/16}}], ports: [{port: 80}]}]}"));
        var r = t.Engine.EgressToAddress(Pod("orders"), IPAddress.Parse("169.254.169.254"), 80);
        Assert.Equal(AddressEgressOutcome.Allowed, r.Outcome);
        Assert.Equal("spec.egress[1]", r.Rule!.Path);
        Assert.Equal(AddressEgressOutcome.Blocked, t.Engine.EgressToAddress(Pod("orders"), IPAddress.Parse("169.254.169.254"), 443).Outcome);
        Assert.Equal(AddressEgressOutcome.NotIsolated, t.Engine.EgressToAddress(Pod("billing"), IPAddress.Parse("169.254.169.254"), 80).Outcome);
    }
}
