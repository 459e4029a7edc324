using System.Net;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>The outcome of one native NetworkPolicy traffic question for one direction.</summary>
/// <param name="Allowed">True when the traffic may pass this direction's policies.</param>
/// <param name="Isolated">True when some selecting policy isolates the pod for the direction.</param>
/// <param name="Policy">The policy whose rule allowed the traffic (null when not isolated or denied).</param>
/// <param name="Rule">That rule.</param>
public sealed record TrafficDecision(bool Allowed, bool Isolated, NetworkPolicyInfo? Policy, NetworkPolicyRule? Rule);

/// <summary>What makes (or fails to make) a namespace default-deny for one direction (KH-NET-001/002).</summary>
public sealed record DefaultDenyResult(
    IReadOnlyList<NetworkPolicyInfo> Policies,
    IReadOnlyList<NetworkPolicyInfo> NativeDenies,
    IReadOnlyList<CrdPolicyNote> CrdDenies,
    IReadOnlyList<(NetworkPolicyInfo Policy, NetworkPolicyRule Rule)> Neutralisers,
    IReadOnlyList<CrdPolicyNote> Uninterpretable)
{
    public bool HasDefaultDeny => NativeDenies.Count > 0 || CrdDenies.Count > 0;
}

/// <summary>Which policies isolate a pod for one direction (KH-NET-003).</summary>
public sealed record IsolationResult(
    IReadOnlyList<NetworkPolicyInfo> Native,
    IReadOnlyList<CrdPolicyNote> Crd,
    IReadOnlyList<CrdPolicyNote> Uninterpretable)
{
    public bool Isolated => Native.Count > 0 || Crd.Count > 0;
}

public enum AddressEgressOutcome
{
    /// <summary>No policy isolates the pod's egress: everything is allowed.</summary>
    NotIsolated,

    /// <summary>The pod is isolated, but a rule allows the address and port.</summary>
    Allowed,

    /// <summary>The address is not reachable under the policies.</summary>
    Blocked,

    /// <summary>A policy that could matter cannot be evaluated.</summary>
    Unknown,
}

/// <summary>Whether a pod may open TCP connections to an external address (KH-NET-004).</summary>
/// <param name="Mitigated">Blocked by a precedence rule (Cilium deny, AdminNetworkPolicy, early Calico deny, baseline deny).</param>
public sealed record AddressEgressResult(
    AddressEgressOutcome Outcome,
    string Detail,
    bool Mitigated = false,
    NetworkPolicyInfo? Policy = null,
    NetworkPolicyRule? Rule = null);

/// <summary>
/// NetworkPolicy evaluation engine (CATALOG.md §1.10). Parses every networking.k8s.io NetworkPolicy once per scan,
/// applies policyTypes defaulting, and answers selection, isolation and traffic questions; policy CRDs are
/// interpreted by <see cref="CrdPolicies"/>. Thread-safe after construction (checks run in parallel).
/// </summary>
public sealed class NetworkPolicyEngine
{
    private const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    private readonly Lazy<List<NetworkPolicyInfo>> _all;
    private readonly Lazy<Dictionary<string, List<NetworkPolicyInfo>>> _byNamespace;
    private readonly Lazy<Dictionary<string, IReadOnlyDictionary<string, string>>> _nsLabels;
    private readonly Lazy<CrdPolicies> _crd;
    private readonly Lazy<CniDetection> _cni;
    private readonly Lazy<Dictionary<string, (int All, int HostNetwork)>> _workloadsByNamespace;
    private readonly Lazy<Dictionary<string, Dictionary<string, KubeObject>>> _defaultLimits;
    private readonly Lazy<CredentialScanner> _credentials;

    internal NetworkPolicyEngine(ScanContext context)
    {
        Context = context;
        _all = new(() => context.OfKind("NetworkPolicy").Where(IsNetworkPolicy).Select(NetworkPolicyInfo.Parse).ToList());
        _byNamespace = new(() =>
        {
            var d = new Dictionary<string, List<NetworkPolicyInfo>>(StringComparer.Ordinal);
            foreach (var p in _all.Value)
            {
                if (!d.TryGetValue(p.Namespace, out var list))
                {
                    d[p.Namespace] = list = [];
                }

                list.Add(p);
            }

            return d;
        });
        _nsLabels = new(BuildNamespaceLabels);
        _crd = new(() => new CrdPolicies(context, NamespaceLabels));
        _cni = new(() => new CniDetection(context));
        _defaultLimits = new(() =>
        {
            var d = new Dictionary<string, Dictionary<string, KubeObject>>(StringComparer.Ordinal);
            foreach (var lr in context.OfKind("LimitRange"))
            {
                var ns = lr.Namespace ?? "default";
                if (!d.TryGetValue(ns, out var perResource))
                {
                    d[ns] = perResource = new Dictionary<string, KubeObject>(StringComparer.Ordinal);
                }

                foreach (var resource in LimitRangeDefaults.Of(lr).Limits.Keys)
                {
                    perResource.TryAdd(resource, lr);
                }
            }

            return d;
        });
        _credentials = new(() => CredentialScanner.From(context.Options));
        _workloadsByNamespace = new(() =>
        {
            var d = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
            foreach (var w in context.Workloads)
            {
                if (w.EphemeralOnly)
                {
                    continue;
                }

                var ns = w.Namespace ?? "default";
                var (all, host) = d.GetValueOrDefault(ns);
                d[ns] = (all + 1, host + (w.PodSpec.Bool("hostNetwork") == true ? 1 : 0));
            }

            return d;
        });
    }

    internal ScanContext Context { get; }

    /// <summary>Every networking.k8s.io NetworkPolicy of the snapshot.</summary>
    public IReadOnlyList<NetworkPolicyInfo> All => _all.Value;

    /// <summary>Cilium, Calico and (Baseline)AdminNetworkPolicy interpretation.</summary>
    public CrdPolicies Crd => _crd.Value;

    /// <summary>Which CNI runs, and whether it enforces NetworkPolicy (KH-NET-005).</summary>
    public CniDetection Cni => _cni.Value;

    /// <summary>NetworkPolicy kinds of other API groups (Calico, Antrea) share the name; only these are native.</summary>
    public static bool IsNetworkPolicy(KubeObject o) =>
        o.Kind == "NetworkPolicy" && o.Group is "networking.k8s.io" or "extensions";

    public IReadOnlyList<NetworkPolicyInfo> InNamespace(string ns) =>
        _byNamespace.Value.TryGetValue(ns, out var list) ? list : [];

    /// <summary>
    /// Labels of a namespace, including kubernetes.io/metadata.name, which the API server always sets (1.21+).
    /// A namespace without a Namespace object in the snapshot has only that label.
    /// </summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels(string ns) =>
        _nsLabels.Value.TryGetValue(ns, out var labels) ? labels
            : new Dictionary<string, string>(StringComparer.Ordinal) { [NamespaceNameLabel] = ns };

    /// <summary>The scan's credential heuristics (KH-NET-017/018), built once from the tenant options.</summary>
    public CredentialScanner Credentials => _credentials.Value;

    /// <summary>The LimitRange of the namespace that gives containers a default limit for the resource (KH-NET-008), if any.</summary>
    public KubeObject? DefaultingLimitRange(string ns, string resource) =>
        _defaultLimits.Value.TryGetValue(ns, out var d) && d.TryGetValue(resource, out var lr) ? lr : null;

    /// <summary>True when the namespace has workloads and all of them use the host network (policies cannot govern them).</summary>
    public bool HasOnlyHostNetworkWorkloads(string ns) =>
        _workloadsByNamespace.Value.TryGetValue(ns, out var c) && c.All > 0 && c.All == c.HostNetwork;

    /// <summary>Native policies of the pod's namespace whose podSelector matches the pod's labels.</summary>
    public List<NetworkPolicyInfo> Selecting(PodEndpoint pod)
    {
        var result = new List<NetworkPolicyInfo>();
        foreach (var p in InNamespace(pod.Namespace))
        {
            if (p.Selects(pod.Labels))
            {
                result.Add(p);
            }
        }

        return result;
    }

    /// <summary>True when a selecting native policy has the direction in its effective policyTypes.</summary>
    public bool IsIsolated(PodEndpoint pod, PolicyDirection d)
    {
        foreach (var p in InNamespace(pod.Namespace))
        {
            if (p.Isolates(d) && p.Selects(pod.Labels))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Does a selector peer of <paramref name="policy"/> match the pod? ipBlock peers never match pods.</summary>
    public bool PeerMatches(NetworkPolicyInfo policy, NetworkPolicyPeer peer, PodEndpoint pod)
    {
        if (peer.Error is not null || peer.IpBlock is not null)
        {
            return false;
        }

        // No namespaceSelector: the policy's own namespace. Both selectors in one peer: AND.
        var nsOk = peer.NamespaceSelector is null
            ? pod.Namespace == policy.Namespace
            : peer.NamespaceSelector.Matches(NamespaceLabels(pod.Namespace));
        if (!nsOk)
        {
            return false;
        }

        return peer.PodSelector is null || peer.PodSelector.Matches(pod.Labels);
    }

    /// <summary>Does an ipBlock peer contain the address (and no except entry)? Selector peers never match addresses.</summary>
    public static bool PeerMatches(NetworkPolicyPeer peer, IPAddress address) =>
        peer.Error is null && peer.IpBlock is not null && peer.IpBlock.Contains(address);

    /// <summary>Egress side of pod → pod traffic to <paramref name="port"/> (named ports resolve on the destination).</summary>
    public TrafficDecision Egress(PodEndpoint from, PodEndpoint to, int port, string protocol = "TCP") =>
        Decide(from, PolicyDirection.Egress, (p, peer) => PeerMatches(p, peer, to), port, protocol, to.Ports);

    /// <summary>Egress side of pod → external address traffic (named ports never match).</summary>
    public TrafficDecision Egress(PodEndpoint from, IPAddress to, int port, string protocol = "TCP") =>
        Decide(from, PolicyDirection.Egress, (_, peer) => PeerMatches(peer, to), port, protocol, null);

    /// <summary>Ingress side of pod → pod traffic, evaluated on the destination's policies.</summary>
    public TrafficDecision Ingress(PodEndpoint to, PodEndpoint from, int port, string protocol = "TCP") =>
        Decide(to, PolicyDirection.Ingress, (p, peer) => PeerMatches(p, peer, from), port, protocol, to.Ports);

    /// <summary>Ingress from an external address (e.g. a load balancer or node).</summary>
    public TrafficDecision Ingress(PodEndpoint to, IPAddress from, int port, string protocol = "TCP") =>
        Decide(to, PolicyDirection.Ingress, (_, peer) => PeerMatches(peer, from), port, protocol, to.Ports);

    /// <summary>Pod → pod traffic passes only if the source's egress and the destination's ingress both allow it.</summary>
    public bool Allows(PodEndpoint from, PodEndpoint to, int port, string protocol = "TCP") =>
        (from.HostNetwork || Egress(from, to, port, protocol).Allowed) &&
        (to.HostNetwork || Ingress(to, from, port, protocol).Allowed);

    private TrafficDecision Decide(PodEndpoint subject, PolicyDirection d, Func<NetworkPolicyInfo, NetworkPolicyPeer, bool> peerMatches,
        int port, string protocol, IReadOnlyList<DeclaredPort>? destinationPorts)
    {
        var isolated = false;
        foreach (var p in InNamespace(subject.Namespace))
        {
            if (!p.Isolates(d) || !p.Selects(subject.Labels))
            {
                continue;
            }

            isolated = true;
            foreach (var r in p.Rules(d))
            {
                if (!r.MatchesPort(port, protocol, destinationPorts))
                {
                    continue;
                }

                if (r.AllPeers || r.Peers.Any(peer => peerMatches(p, peer)))
                {
                    return new TrafficDecision(true, true, p, r);
                }
            }
        }

        return new TrafficDecision(!isolated, isolated, null, null);
    }

    /// <summary>
    /// Namespace default deny for a direction: a native policy with an empty podSelector, the direction in its
    /// effective policyTypes and no rules for it, or an interpreted CRD policy with that effect; and the
    /// all-pod allow-everything rules that neutralise it.
    /// </summary>
    public DefaultDenyResult DefaultDeny(string ns, PolicyDirection d)
    {
        var policies = InNamespace(ns);
        var denies = new List<NetworkPolicyInfo>();
        var neutralisers = new List<(NetworkPolicyInfo, NetworkPolicyRule)>();
        foreach (var p in policies)
        {
            if (!p.SelectsAllPods || !p.Isolates(d))
            {
                continue;
            }

            var rules = p.Rules(d);
            if (rules.Count == 0)
            {
                denies.Add(p);
            }

            foreach (var r in rules)
            {
                if (r.AllowsEverything)
                {
                    neutralisers.Add((p, r));
                }
            }
        }

        var crdDenies = new List<CrdPolicyNote>();
        var unknown = new List<CrdPolicyNote>();
        Crd.DefaultDenies(ns, d, crdDenies, unknown);
        return new DefaultDenyResult(policies, denies, crdDenies, neutralisers, unknown);
    }

    /// <summary>Native and CRD policies that isolate the pod for a direction (hostNetwork is the caller's concern).</summary>
    public IsolationResult Isolation(PodEndpoint pod, PolicyDirection d)
    {
        var native = new List<NetworkPolicyInfo>();
        foreach (var p in InNamespace(pod.Namespace))
        {
            if (p.Isolates(d) && p.Selects(pod.Labels))
            {
                native.Add(p);
            }
        }

        var crd = new List<CrdPolicyNote>();
        var unknown = new List<CrdPolicyNote>();
        Crd.Isolation(pod, d, crd, unknown);
        return new IsolationResult(native, crd, unknown);
    }

    /// <summary>
    /// Can the pod open TCP connections to an external address (cloud metadata)? Follows the precedence of the
    /// layers: Cilium deny rules, AdminNetworkPolicy, Calico policies ordered before Kubernetes policies, then the
    /// union of NetworkPolicy / Cilium / Calico allow rules once any of them isolates the pod, and finally the
    /// BaselineAdminNetworkPolicy for pods no policy isolates.
    /// </summary>
    public AddressEgressResult EgressToAddress(PodEndpoint pod, IPAddress address, int port)
    {
        var crd = Crd;
        if (crd.CiliumDenies(pod, address, port) is { } cd)
        {
            return new AddressEgressResult(AddressEgressOutcome.Blocked, "denied by " + cd, Mitigated: true);
        }

        switch (crd.AdminDecides(pod, address, port, baseline: false))
        {
            case ("Deny", var by):
                return new AddressEgressResult(AddressEgressOutcome.Blocked, "denied by " + by, Mitigated: true);
            case ("Allow", var by):
                return new AddressEgressResult(AddressEgressOutcome.Allowed, "allowed by " + by + ", which overrides NetworkPolicies");
        }

        switch (crd.CalicoEarly(pod, address, port))
        {
            case ("Deny", var by):
                return new AddressEgressResult(AddressEgressOutcome.Blocked, "denied by " + by, Mitigated: true);
            case ("Allow", var by):
                return new AddressEgressResult(AddressEgressOutcome.Allowed, "allowed by " + by + ", ordered before NetworkPolicies");
            case ("Unknown", var by):
                return new AddressEgressResult(AddressEgressOutcome.Unknown, "cannot evaluate " + by);
        }

        var other = new List<CrdPolicyNote>();
        crd.AddUninterpretable(pod.Namespace, other);
        if (other.Count > 0)
        {
            return new AddressEgressResult(AddressEgressOutcome.Unknown,
                "policies the engine cannot interpret may apply: " + string.Join("; ", other));
        }

        var native = Egress(pod, address, port);
        if (native.Allowed && native.Isolated)
        {
            return new AddressEgressResult(AddressEgressOutcome.Allowed, $"allowed by {native.Policy} {native.Rule!.Path}",
                Policy: native.Policy, Rule: native.Rule);
        }

        var cilIso = crd.CiliumEgressIsolation(pod);
        var calIso = crd.CalicoLateIsolation(pod);
        if (native.Isolated || cilIso is not null || calIso is not null)
        {
            var (cilAllow, cilBy) = crd.CiliumAllows(pod, address, port);
            if (cilAllow == Tri.Yes)
            {
                return new AddressEgressResult(AddressEgressOutcome.Allowed, "allowed by " + cilBy);
            }

            var (calAllow, calBy) = crd.CalicoLateAllows(pod, address, port);
            if (calAllow == Tri.Yes)
            {
                return new AddressEgressResult(AddressEgressOutcome.Allowed, "allowed by " + calBy);
            }

            if (cilAllow == Tri.Unknown || calAllow == Tri.Unknown)
            {
                return new AddressEgressResult(AddressEgressOutcome.Unknown, "cannot evaluate " + (cilBy ?? calBy));
            }

            return new AddressEgressResult(AddressEgressOutcome.Blocked, "egress isolated and no rule allows it");
        }

        switch (crd.AdminDecides(pod, address, port, baseline: true))
        {
            case ("Deny", var by):
                return new AddressEgressResult(AddressEgressOutcome.Blocked, "denied by " + by, Mitigated: true);
        }

        return new AddressEgressResult(AddressEgressOutcome.NotIsolated, "no egress policy selects the pod");
    }

    private Dictionary<string, IReadOnlyDictionary<string, string>> BuildNamespaceLabels()
    {
        var d = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var ns in Context.OfKind("Namespace"))
        {
            var labels = new Dictionary<string, string>(ns.Labels, StringComparer.Ordinal) { [NamespaceNameLabel] = ns.Name };
            d[ns.Name] = labels;
        }

        return d;
    }
}
