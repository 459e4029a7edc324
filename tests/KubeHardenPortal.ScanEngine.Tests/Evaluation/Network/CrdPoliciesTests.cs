using System.Net;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using static KubeHardenPortal.ScanEngine.Tests.Evaluation.Network.NetworkTestContext;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Network;

public sealed class CrdPoliciesTests
{
    private static readonly IPAddress Imds = IPAddress.Parse("169.254.169.254");

    private static (int Denies, int Unknown) DefaultDeny(NetworkTestContext t, string ns, PolicyDirection d)
    {
        var r = t.Engine.DefaultDeny(ns, d);
        return (r.CrdDenies.Count, r.Uninterpretable.Count);
    }

    [Fact]
    public void Cilium_SpecAndSpecs_NamespaceScope_AndEnableDefaultDeny()
    {
        using var t = new NetworkTestContext("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: deny-in, namespace: orders}
            spec:
              endpointSelector: {}
              ingress: [{}]
            specs:
            - endpointSelector: {}
              egress: [{}]
              enableDefaultDeny: {egress: false}
            - endpointSelector: {matchLabels: {k8s:app: api}}
              egress: [{toEntities: [world]}]
            """);
        Assert.Equal((1, 0), DefaultDeny(t, "orders", PolicyDirection.Ingress));
        Assert.Equal((0, 0), DefaultDeny(t, "orders", PolicyDirection.Egress));
        Assert.Equal((0, 0), DefaultDeny(t, "billing", PolicyDirection.Ingress));
        Assert.True(t.Engine.Isolation(Pod("orders", "app", "api"), PolicyDirection.Egress).Isolated);
        Assert.False(t.Engine.Isolation(Pod("orders", "app", "web"), PolicyDirection.Egress).Isolated);
        Assert.Equal(AddressEgressOutcome.Allowed, t.Engine.EgressToAddress(Pod("orders", "app", "api"), Imds, 80).Outcome);
    }

    [Fact]
    public void Cilium_EmptyIngressList_DoesNotApply_AndAllowRulesAreNotADefaultDeny()
    {
        using var t = new NetworkTestContext("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a, namespace: orders}
            spec: {endpointSelector: {}, ingress: []}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: b, namespace: billing}
            spec:
              endpointSelector: {}
              ingress: [{fromEndpoints: [{matchLabels: {app: gw}}]}]
            """);
        Assert.Equal((0, 0), DefaultDeny(t, "orders", PolicyDirection.Ingress));
        Assert.False(t.Engine.Isolation(Pod("orders"), PolicyDirection.Ingress).Isolated);
        Assert.Equal((0, 0), DefaultDeny(t, "billing", PolicyDirection.Ingress));
        Assert.True(t.Engine.Isolation(Pod("billing"), PolicyDirection.Ingress).Isolated);
    }

    [Fact]
    public void CiliumClusterwide_NamespaceLabelsInSelector()
    {
        using var t = new NetworkTestContext("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: orders, labels: {isolation: strict}}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: strict}
            spec:
              endpointSelector: {matchLabels: {io.cilium.k8s.namespace.labels.isolation: strict}}
              egress: [{}]
            """);
        Assert.Equal((1, 0), DefaultDeny(t, "orders", PolicyDirection.Egress));
        Assert.Equal((0, 0), DefaultDeny(t, "billing", PolicyDirection.Egress));
    }

    [Fact]
    public void Cilium_EgressDeny_WinsOverNetworkPolicyAllow()
    {
        using var t = new NetworkTestContext("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: orders}
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: no-imds, namespace: orders}
            spec:
              endpointSelector: {}
              egressDeny: [{toCIDRSet: [{cidr: 169.254.0.0/16, except: [169.254.170.0/24]}], toPorts: [{ports: [{port: "80", protocol: TCP}]}]}]
            """);
        var r = t.Engine.EgressToAddress(Pod("orders"), Imds, 80);
        Assert.Equal(AddressEgressOutcome.Blocked, r.Outcome);
        Assert.True(r.Mitigated);
        Assert.Equal(AddressEgressOutcome.Allowed, t.Engine.EgressToAddress(Pod("orders"), IPAddress.Parse("169.254.170.2"), 80).Outcome);
        Assert.Equal(AddressEgressOutcome.Allowed, t.Engine.EgressToAddress(Pod("orders"), Imds, 443).Outcome);
    }

    [Fact]
    public void Calico_TypesDefaulting_SelectorScope_AndDenyRules()
    {
        using var t = new NetworkTestContext("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: in-default, namespace: orders}
            spec: {selector: all()}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: out-deny, namespace: orders}
            spec:
              selector: all()
              egress: [{action: Deny}]
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: per-app}
            spec:
              namespaceSelector: projectcalico.org/name == 'billing'
              selector: app == 'api'
              types: [Ingress, Egress]
            """);
        Assert.Equal((1, 0), DefaultDeny(t, "orders", PolicyDirection.Ingress));
        Assert.Equal((1, 0), DefaultDeny(t, "orders", PolicyDirection.Egress));
        Assert.Equal((0, 0), DefaultDeny(t, "billing", PolicyDirection.Ingress));
        Assert.True(t.Engine.Isolation(Pod("billing", "app", "api"), PolicyDirection.Egress).Isolated);
        Assert.False(t.Engine.Isolation(Pod("billing", "app", "web"), PolicyDirection.Egress).Isolated);
        Assert.DoesNotContain(t.Engine.Isolation(Pod("orders", "app", "api"), PolicyDirection.Egress).Crd, n => n.Name == "per-app");
    }

    [Fact]
    public void Calico_OrderDecidesWhetherADenyPrecedesKubernetesPolicies()
    {
        const string Np = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: orders}
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}
            ---

            """;
        static string Gnp(string order) => $$$"""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: imds}
            spec:
              {{{order}}}
              selector: all()
              types: [Egress]
              egress:
              - {action: Deny, protocol: TCP, destination: {nets: [169.254.169.254/32], ports: [80]}}
            """;
        using (var early = new NetworkTestContext(Np + Gnp("order: 100")))
        {
            Assert.Equal(AddressEgressOutcome.Blocked, early.Engine.EgressToAddress(Pod("orders"), Imds, 80).Outcome);
        }

        using (var late = new NetworkTestContext(Np + Gnp("order: 2000")))
        {
            Assert.Equal(AddressEgressOutcome.Allowed, late.Engine.EgressToAddress(Pod("orders"), Imds, 80).Outcome);
        }
    }

    [Fact]
    public void AdminNetworkPolicies_DenyAndAllowOverrideNetworkPolicies_BaselineOnlyForUnisolatedPods()
    {
        const string Anp = """
            apiVersion: policy.networking.k8s.io/v1alpha1
            kind: AdminNetworkPolicy
            metadata: {name: imds}
            spec:
              priority: 10
              subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: orders}}}
              egress:
              - {name: allow-imds-for-agent, action: Allow, to: [{networks: [169.254.169.254/32]}], ports: [{portNumber: {protocol: TCP, port: 443}}]}
              - {name: deny-imds, action: Deny, to: [{networks: [169.254.0.0/16]}]}
            ---
            apiVersion: policy.networking.k8s.io/v1alpha1
            kind: BaselineAdminNetworkPolicy
            metadata: {name: default}
            spec:
              subject: {namespaces: {}}
              egress:
              - {name: deny-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: isolated}
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}
            """;
        using var t = new NetworkTestContext(Anp);
        Assert.Equal(AddressEgressOutcome.Blocked, t.Engine.EgressToAddress(Pod("orders"), Imds, 80).Outcome);
        Assert.Equal(AddressEgressOutcome.Allowed, t.Engine.EgressToAddress(Pod("orders"), Imds, 443).Outcome);
        var baseline = t.Engine.EgressToAddress(Pod("billing"), Imds, 80);
        Assert.Equal(AddressEgressOutcome.Blocked, baseline.Outcome);
        Assert.True(baseline.Mitigated);
        // A NetworkPolicy isolating the pod takes precedence over the baseline.
        Assert.Equal(AddressEgressOutcome.Allowed, t.Engine.EgressToAddress(Pod("isolated"), Imds, 80).Outcome);
    }

    [Fact]
    public void AdminNetworkPolicy_EgressDefaultDeny_NeedsPodsAndTheWorld()
    {
        using var t = new NetworkTestContext("""
            apiVersion: policy.networking.k8s.io/v1alpha1
            kind: BaselineAdminNetworkPolicy
            metadata: {name: default}
            spec:
              subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: orders}}, podSelector: {}}}
              egress:
              - {name: pods, action: Deny, to: [{namespaces: {}}]}
              - {name: world, action: Deny, to: [{networks: [0.0.0.0/0]}]}
              ingress:
              - {name: some, action: Deny, from: [{namespaces: {matchLabels: {env: dev}}}]}
            """);
        Assert.Equal((1, 0), DefaultDeny(t, "orders", PolicyDirection.Egress));
        Assert.Equal((0, 0), DefaultDeny(t, "orders", PolicyDirection.Ingress));
        Assert.Equal((0, 0), DefaultDeny(t, "billing", PolicyDirection.Egress));
    }

    [Fact]
    public void OtherEnginesPolicies_AreUninterpretable_InTheirScope()
    {
        using var t = new NetworkTestContext("""
            apiVersion: crd.antrea.io/v1beta1
            kind: NetworkPolicy
            metadata: {name: antrea, namespace: orders}
            spec: {priority: 5, appliedTo: [{podSelector: {}}]}
            ---
            apiVersion: k8s.ovn.org/v1
            kind: EgressFirewall
            metadata: {name: default, namespace: billing}
            spec: {egress: [{type: Deny, to: {cidrSelector: 169.254.169.254/32}}]}
            """);
        Assert.Equal((0, 1), DefaultDeny(t, "orders", PolicyDirection.Ingress));
        Assert.Equal((0, 0), DefaultDeny(t, "sandbox", PolicyDirection.Ingress));
        Assert.Equal(AddressEgressOutcome.Unknown, t.Engine.EgressToAddress(Pod("billing"), Imds, 80).Outcome);
        Assert.Equal(AddressEgressOutcome.NotIsolated, t.Engine.EgressToAddress(Pod("sandbox"), Imds, 80).Outcome);
    }
}
