using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>A CRD policy (or one rule of it) that decided something, or could not be interpreted, for messages.</summary>
public sealed record CrdPolicyNote(string Kind, string? Namespace, string Name, string Detail)
{
    public CrdPolicyNote(KubeObject policy, string detail)
        : this(policy.Kind, policy.Namespace, policy.Name, detail)
    {
    }

    public override string ToString() =>
        $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name}{(Detail.Length > 0 ? " (" + Detail + ")" : "")}";
}

/// <summary>Three-valued answer of "does this rule cover that traffic?".</summary>
internal enum Tri
{
    No,
    Yes,
    Unknown,
}

/// <summary>
/// Interprets the policy CRDs of CATALOG.md §1.10: CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (spec and
/// specs, enableDefaultDeny, egressDeny), Calico NetworkPolicy / GlobalNetworkPolicy (selectors, types, order,
/// Allow/Deny rules) and AdminNetworkPolicy / BaselineAdminNetworkPolicy. Kinds and shapes the engine cannot
/// interpret are kept as "uninterpretable" notes so callers report UNKNOWN instead of a verdict.
/// </summary>
public sealed class CrdPolicies
{
    private const string NsLabel = "io.kubernetes.pod.namespace";
    private const string CiliumNsLabelPrefix = "io.cilium.k8s.namespace.labels.";
    private const string CiliumSaLabel = "io.cilium.k8s.policy.serviceaccount";

    // Policy kinds of other engines: their presence makes a verdict uncertain. Keyed by API group.
    private static readonly Dictionary<string, string[]> OtherPolicyKinds = new(StringComparer.Ordinal)
    {
        ["crd.antrea.io"] = ["NetworkPolicy", "ClusterNetworkPolicy"],
        ["k8s.ovn.org"] = ["EgressFirewall"],
        ["network.openshift.io"] = ["EgressNetworkPolicy"],
    };

    // Plural resource names of policy CRDs, to notice when the collector could not read them.
    private static readonly string[] PolicyResources =
    [
        "ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies", "globalnetworkpolicies", "networkpolicies.projectcalico.org",
        "networkpolicies.crd.projectcalico.org", "adminnetworkpolicies", "baselineadminnetworkpolicies",
    ];

    private readonly Func<string, IReadOnlyDictionary<string, string>> _nsLabels;
    private readonly List<CiliumRule> _cilium = [];
    private readonly List<CalicoPolicy> _calico = [];
    private readonly List<AdminPolicy> _admin = [];
    private readonly List<(string? Namespace, CrdPolicyNote Note)> _uninterpretable = [];
    private readonly List<IpCidr> _calicoNetworkSetNets = [];
    private readonly Lazy<List<CalicoPolicy>> _calicoEarlyEgress;
    private readonly Lazy<List<AdminPolicy>> _adminByPriority;

    internal CrdPolicies(ScanContext context, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
    {
        _nsLabels = namespaceLabels;
        _calicoEarlyEgress = new(() => _calico.Where(p => p.Early && p.Error is null && p.Types(PolicyDirection.Egress))
            .OrderBy(p => p.Order ?? double.MaxValue).ToList());
        _adminByPriority = new(() => _admin.Where(a => a.Error is null).OrderBy(a => a.Priority).ToList());
        foreach (var o in context.Snapshot.Objects)
        {
            var group = o.Group;
            switch (o.Kind)
            {
                case "CiliumNetworkPolicy" or "CiliumClusterwideNetworkPolicy" when group == "cilium.io":
                    ParseCilium(o);
                    break;
                case "NetworkPolicy" or "GlobalNetworkPolicy" when group is "projectcalico.org" or "crd.projectcalico.org":
                    ParseCalico(o);
                    break;
                case "NetworkSet" or "GlobalNetworkSet" when group is "projectcalico.org" or "crd.projectcalico.org":
                    foreach (var n in o.Json.Get("spec").Strings("nets"))
                    {
                        if (IpCidr.TryParse(n, out var c))
                        {
                            _calicoNetworkSetNets.Add(c);
                        }
                    }

                    break;
                case "AdminNetworkPolicy" or "BaselineAdminNetworkPolicy" when group == "policy.networking.k8s.io":
                    ParseAdmin(o);
                    break;
                default:
                    if (OtherPolicyKinds.TryGetValue(group, out var kinds) && kinds.Contains(o.Kind))
                    {
                        // Cluster-scoped kinds (ClusterNetworkPolicy) apply to every namespace.
                        var scope = o.Kind.StartsWith("Cluster", StringComparison.Ordinal) ? null : o.Namespace;
                        _uninterpretable.Add((scope, new CrdPolicyNote(o.Kind, scope, o.Name, "policy kind not interpreted by the engine")));
                    }

                    break;
            }
        }

        foreach (var c in context.Snapshot.Coverage)
        {
            if (c.Status is CoverageStatus.Forbidden or CoverageStatus.Error &&
                PolicyResources.Any(r => c.Resource.Equals(r, StringComparison.OrdinalIgnoreCase) ||
                                         (c.Resource.StartsWith(r + ".", StringComparison.OrdinalIgnoreCase) && !r.Contains('.'))))
            {
                _uninterpretable.Add((null, new CrdPolicyNote(c.Resource, null, "*", $"could not be read ({c.Status.ToString().ToLowerInvariant()})")));
            }
        }
    }

    /// <summary>True when the snapshot holds any CRD policy the engine knows about.</summary>
    public bool Any => _cilium.Count > 0 || _calico.Count > 0 || _admin.Count > 0 || _uninterpretable.Count > 0;

    // ---------------------------------------------------------------- queries used by the checks

    /// <summary>True when some interpreted CRD policy lives in the namespace or is cluster-wide.</summary>
    public bool AppliesTo(string ns) =>
        _cilium.Any(r => r.Namespace is null || r.Namespace == ns) ||
        _calico.Any(p => p.Namespace is null || p.Namespace == ns) ||
        _admin.Count > 0;

    /// <summary>CRD policies that amount to a namespace-wide default deny for a direction (KH-NET-001/002 rule 2).</summary>
    public void DefaultDenies(string ns, PolicyDirection d, List<CrdPolicyNote> denying, List<CrdPolicyNote> unknown)
    {
        var all = AllPodsOf(ns);
        foreach (var r in _cilium)
        {
            if ((r.Namespace is null || r.Namespace == ns) && r.Isolates(d) && r.AllowsNothing(d) && CiliumSelects(r, all, podLabelsKnown: false) == true)
            {
                denying.Add(new CrdPolicyNote(r.Policy, $"{r.Path}: endpointSelector selects all pods, {Dir(d)} default deny"));
            }
        }

        foreach (var p in _calico)
        {
            if (p.Namespace is not null && p.Namespace != ns)
            {
                continue;
            }

            if (p.Error is not null)
            {
                unknown.Add(new CrdPolicyNote(p.Policy, p.Error));
                continue;
            }

            if (p.Types(d) && p.DeniesEverything(d) && CalicoSelects(p, all, podLabelsKnown: false) == true)
            {
                denying.Add(new CrdPolicyNote(p.Policy, $"selector {p.Selector} with types {Dir(d)} and no allow rules"));
            }
        }

        foreach (var a in _admin)
        {
            if (a.Error is not null)
            {
                unknown.Add(new CrdPolicyNote(a.Policy, a.Error));
                continue;
            }

            if (AdminSubjectSelects(a, all, podLabelsKnown: false) == true && a.DeniesEverything(d) is { } rule)
            {
                denying.Add(new CrdPolicyNote(a.Policy, $"{rule}: Deny from/to every namespace"));
            }
        }

        AddUninterpretable(ns, unknown);
    }

    /// <summary>CRD policies that isolate a pod for a direction (KH-NET-003), plus those that could not be evaluated.</summary>
    public void Isolation(PodEndpoint pod, PolicyDirection d, List<CrdPolicyNote> isolating, List<CrdPolicyNote> unknown)
    {
        foreach (var r in _cilium)
        {
            if (r.Isolates(d) && CiliumSelects(r, pod, podLabelsKnown: true) == true)
            {
                isolating.Add(new CrdPolicyNote(r.Policy, r.Path));
            }
        }

        foreach (var p in _calico)
        {
            if (p.Namespace is not null && p.Namespace != pod.Namespace)
            {
                continue;
            }

            if (p.Error is not null)
            {
                unknown.Add(new CrdPolicyNote(p.Policy, p.Error));
                continue;
            }

            if (p.Types(d))
            {
                switch (CalicoSelects(p, pod, podLabelsKnown: true))
                {
                    case true:
                        isolating.Add(new CrdPolicyNote(p.Policy, "selector " + p.Selector));
                        break;
                    case null:
                        unknown.Add(new CrdPolicyNote(p.Policy, "selection depends on service-account labels"));
                        break;
                }
            }
        }

        foreach (var a in _admin)
        {
            if (a.Error is null && AdminSubjectSelects(a, AllPodsOf(pod.Namespace), podLabelsKnown: false) == true && a.DeniesEverything(d) is { } rule)
            {
                isolating.Add(new CrdPolicyNote(a.Policy, rule));
            }
        }

        AddUninterpretable(pod.Namespace, unknown);
    }

    /// <summary>Policy objects of other engines (or unreadable CRD types) that may apply to a namespace.</summary>
    public void AddUninterpretable(string ns, List<CrdPolicyNote> unknown)
    {
        foreach (var (scope, note) in _uninterpretable)
        {
            if (scope is null || scope == ns)
            {
                unknown.Add(note);
            }
        }
    }

    /// <summary>A Cilium deny rule selecting the pod that blocks the address (deny wins over every allow in Cilium).</summary>
    internal CrdPolicyNote? CiliumDenies(PodEndpoint pod, IPAddress address, int port)
    {
        foreach (var r in _cilium)
        {
            if (CiliumSelects(r, pod, podLabelsKnown: true) != true)
            {
                continue;
            }

            var i = 0;
            foreach (var rule in r.Rule.Items("egressDeny"))
            {
                if (CiliumCovers(rule, address, port) == Tri.Yes)
                {
                    return new CrdPolicyNote(r.Policy, $"{r.Path}.egressDeny[{i}]");
                }

                i++;
            }
        }

        return null;
    }

    /// <summary>True when some Cilium rule puts the pod into egress default-deny.</summary>
    internal CrdPolicyNote? CiliumEgressIsolation(PodEndpoint pod)
    {
        foreach (var r in _cilium)
        {
            if (r.Isolates(PolicyDirection.Egress) && CiliumSelects(r, pod, podLabelsKnown: true) == true)
            {
                return new CrdPolicyNote(r.Policy, r.Path);
            }
        }

        return null;
    }

    /// <summary>Does a Cilium egress allow rule selecting the pod allow the address?</summary>
    internal (Tri Result, CrdPolicyNote? By) CiliumAllows(PodEndpoint pod, IPAddress address, int port)
    {
        CrdPolicyNote? unknown = null;
        foreach (var r in _cilium)
        {
            if (CiliumSelects(r, pod, podLabelsKnown: true) != true)
            {
                continue;
            }

            var i = 0;
            foreach (var rule in r.Rule.Items("egress"))
            {
                switch (CiliumCovers(rule, address, port))
                {
                    case Tri.Yes:
                        return (Tri.Yes, new CrdPolicyNote(r.Policy, $"{r.Path}.egress[{i}]"));
                    case Tri.Unknown:
                        unknown ??= new CrdPolicyNote(r.Policy, $"{r.Path}.egress[{i}] uses toFQDNs/toGroups/CIDR groups");
                        break;
                }

                i++;
            }
        }

        return unknown is null ? (Tri.No, null) : (Tri.Unknown, unknown);
    }

    /// <summary>
    /// Calico policies ordered before Kubernetes NetworkPolicies (order &lt; 1000 or a non-default tier): the first
    /// matching Allow/Deny rule decides. Returns the action ("Allow"/"Deny"), "Unknown", or null when none matched.
    /// </summary>
    internal (string? Action, CrdPolicyNote? By) CalicoEarly(PodEndpoint pod, IPAddress address, int port)
    {
        foreach (var p in _calicoEarlyEgress.Value)
        {
            var sel = CalicoSelects(p, pod, podLabelsKnown: true);
            if (sel == false)
            {
                continue;
            }

            if (sel is null)
            {
                return ("Unknown", new CrdPolicyNote(p.Policy, "selection depends on service-account labels"));
            }

            var i = 0;
            foreach (var rule in p.EgressRules)
            {
                var action = rule.Str("action") ?? "Allow";
                var m = CalicoRuleMatchesEgress(rule, pod, address, port);
                if (m == Tri.Unknown && action is "Allow" or "Deny" or "Pass")
                {
                    return ("Unknown", new CrdPolicyNote(p.Policy, $"spec.egress[{i}] cannot be evaluated for {address}"));
                }

                if (m == Tri.Yes)
                {
                    switch (action)
                    {
                        case "Allow" or "Deny":
                            return (action, new CrdPolicyNote(p.Policy, $"spec.egress[{i}] ({action}, order {p.Order?.ToString(CultureInfo.InvariantCulture) ?? "unset"})"));
                        case "Pass":
                            return (null, null); // hands the decision to the next tier / Kubernetes policies
                    }
                }

                i++;
            }
        }

        return (null, null);
    }

    /// <summary>A Calico policy in the default ordering (with Kubernetes policies) that isolates the pod's egress.</summary>
    internal CrdPolicyNote? CalicoLateIsolation(PodEndpoint pod)
    {
        foreach (var p in _calico)
        {
            if (!p.Early && p.Error is null && p.Types(PolicyDirection.Egress) && CalicoSelects(p, pod, podLabelsKnown: true) == true)
            {
                return new CrdPolicyNote(p.Policy, "selector " + p.Selector);
            }
        }

        return null;
    }

    /// <summary>Does an Allow rule of a default-ordered Calico policy selecting the pod allow the address?</summary>
    internal (Tri Result, CrdPolicyNote? By) CalicoLateAllows(PodEndpoint pod, IPAddress address, int port)
    {
        CrdPolicyNote? unknown = null;
        foreach (var p in _calico)
        {
            if (p.Early || p.Error is not null || !p.Types(PolicyDirection.Egress) || CalicoSelects(p, pod, podLabelsKnown: true) != true)
            {
                continue;
            }

            var i = 0;
            foreach (var rule in p.EgressRules)
            {
                if ((rule.Str("action") ?? "Allow") == "Allow")
                {
                    switch (CalicoRuleMatchesEgress(rule, pod, address, port))
                    {
                        case Tri.Yes:
                            return (Tri.Yes, new CrdPolicyNote(p.Policy, $"spec.egress[{i}]"));
                        case Tri.Unknown:
                            unknown ??= new CrdPolicyNote(p.Policy, $"spec.egress[{i}] cannot be evaluated for {address}");
                            break;
                    }
                }

                i++;
            }
        }

        return unknown is null ? (Tri.No, null) : (Tri.Unknown, unknown);
    }

    /// <summary>
    /// AdminNetworkPolicies (by priority) or the BaselineAdminNetworkPolicy: the first egress rule matching the
    /// address decides ("Allow", "Deny", "Pass"); null when none matched.
    /// </summary>
    internal (string? Action, CrdPolicyNote? By) AdminDecides(PodEndpoint pod, IPAddress address, int port, bool baseline)
    {
        foreach (var a in _adminByPriority.Value)
        {
            if (a.Baseline != baseline || AdminSubjectSelects(a, pod, podLabelsKnown: true) != true)
            {
                continue;
            }

            foreach (var rule in a.Egress)
            {
                if (rule.CoversAddress(address, port))
                {
                    return (rule.Action, new CrdPolicyNote(a.Policy, $"spec.egress[{rule.Index}] ({rule.Action})"));
                }
            }
        }

        return (null, null);
    }

    // ---------------------------------------------------------------- selection helpers

    private PodEndpoint AllPodsOf(string ns) => new(ns, KubeObject.EmptyMap);

    private static string Dir(PolicyDirection d) => d == PolicyDirection.Ingress ? "ingress" : "egress";

    private bool? CiliumSelects(CiliumRule r, PodEndpoint pod, bool podLabelsKnown)
    {
        if (r.Namespace is not null && r.Namespace != pod.Namespace)
        {
            return false;
        }

        if (r.Selector is null)
        {
            return false; // nodeSelector rules (host firewall) never select pods
        }

        var nsLabels = _nsLabels(pod.Namespace);
        return r.Selector.Evaluate(key =>
        {
            if (key == NsLabel)
            {
                return LabelFact.Of(pod.Namespace);
            }

            if (key.StartsWith(CiliumNsLabelPrefix, StringComparison.Ordinal))
            {
                return nsLabels.TryGetValue(key[CiliumNsLabelPrefix.Length..], out var v) ? LabelFact.Of(v) : LabelFact.Absent;
            }

            if (!podLabelsKnown)
            {
                return LabelFact.Unknown;
            }

            if (key == CiliumSaLabel)
            {
                return LabelFact.Of(pod.ServiceAccount);
            }

            return pod.Labels.TryGetValue(key, out var pv) ? LabelFact.Of(pv) : LabelFact.Absent;
        });
    }

    private bool? CalicoSelects(CalicoPolicy p, PodEndpoint pod, bool podLabelsKnown)
    {
        if (p.HostOnly || p.Selector is null || (p.Namespace is not null && p.Namespace != pod.Namespace))
        {
            return false;
        }

        if (p.NamespaceSelector is not null)
        {
            var nsLabels = _nsLabels(pod.Namespace);
            var nsMatch = p.NamespaceSelector.Evaluate(k =>
                k == "projectcalico.org/name" ? LabelFact.Of(pod.Namespace)
                : nsLabels.TryGetValue(k, out var v) ? LabelFact.Of(v) : LabelFact.Absent);
            if (nsMatch != true)
            {
                return nsMatch;
            }
        }

        var sel = p.Selector.Evaluate(CalicoPodLookup(pod, podLabelsKnown));
        if (sel == false || p.ServiceAccountSelector is null)
        {
            return sel;
        }

        // Service-account labels are not in the pod's view; only all() can be decided.
        var sa = p.ServiceAccountSelector.Evaluate(_ => LabelFact.Unknown);
        return sa == false ? false : sa == true ? sel : null;
    }

    private static Func<string, LabelFact> CalicoPodLookup(PodEndpoint pod, bool podLabelsKnown) => key => key switch
    {
        "projectcalico.org/namespace" => LabelFact.Of(pod.Namespace),
        "projectcalico.org/orchestrator" => LabelFact.Of("k8s"),
        _ when !podLabelsKnown => LabelFact.Unknown,
        "projectcalico.org/serviceaccount" => LabelFact.Of(pod.ServiceAccount),
        _ => pod.Labels.TryGetValue(key, out var v) ? LabelFact.Of(v) : LabelFact.Absent,
    };

    private bool? AdminSubjectSelects(AdminPolicy a, PodEndpoint pod, bool podLabelsKnown)
    {
        var nsLabels = _nsLabels(pod.Namespace);
        if (a.SubjectNamespaces is not null)
        {
            return a.SubjectNamespaces.Matches(nsLabels);
        }

        if (a.SubjectPodsNamespaces is null || !a.SubjectPodsNamespaces.Matches(nsLabels))
        {
            return false;
        }

        return a.SubjectPodsPods!.Evaluate(k =>
            !podLabelsKnown ? LabelFact.Unknown : pod.Labels.TryGetValue(k, out var v) ? LabelFact.Of(v) : LabelFact.Absent);
    }

    // ---------------------------------------------------------------- Cilium

    private sealed class CiliumRule(KubeObject policy, string? ns, string path, LabelSelector? selector, CompactJson rule)
    {
        public KubeObject Policy { get; } = policy;
        public string? Namespace { get; } = ns;
        public string Path { get; } = path;
        public LabelSelector? Selector { get; } = selector;
        public CompactJson Rule { get; } = rule;

        private bool Has(PolicyDirection d) =>
            Rule.Get(Dir(d)).Count() > 0 || Rule.Get(Dir(d) + "Deny").Count() > 0;

        // Default deny is on for each direction the rule has rules for, unless enableDefaultDeny turns it off.
        public bool Isolates(PolicyDirection d) => Has(d) && Rule.Get("enableDefaultDeny").Bool(Dir(d)) != false;

        /// <summary>True when the rule's allow list for the direction allows nothing (only empty rules "{}").</summary>
        public bool AllowsNothing(PolicyDirection d)
        {
            foreach (var r in Rule.Items(Dir(d)))
            {
                if (!IsEmptyRule(r))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private void ParseCilium(KubeObject o)
    {
        var ns = o.Kind == "CiliumNetworkPolicy" ? o.Namespace : null;
        var rules = new List<(string, CompactJson)>();
        if (o.Json.Get("spec").ValueKind == JsonValueKind.Object)
        {
            rules.Add(("spec", o.Json.Get("spec")));
        }

        var i = 0;
        foreach (var s in o.Json.Items("specs"))
        {
            rules.Add(($"specs[{i}]", s));
            i++;
        }

        foreach (var (path, rule) in rules)
        {
            var sel = LabelSelector.FromJson(rule.Get("endpointSelector"))?.MapKeys(StripCiliumSource);
            if (sel is { IsValid: false })
            {
                _uninterpretable.Add((ns, new CrdPolicyNote(o, $"{path}.endpointSelector: {sel.Error}")));
                continue;
            }

            _cilium.Add(new CiliumRule(o, ns, path, sel, rule));
        }
    }

    private static string StripCiliumSource(string key) =>
        key.StartsWith("k8s:", StringComparison.Ordinal) ? key[4..]
        : key.StartsWith("any:", StringComparison.Ordinal) ? key[4..]
        : key;

    private static bool IsEmptyRule(CompactJson r)
    {
        foreach (var p in r.Props())
        {
            if (p.Value.ValueKind is JsonValueKind.Array && p.Value.GetArrayLength() == 0)
            {
                continue;
            }

            if (p.Value.IsEmptyObjectOrMissing())
            {
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>Whether one Cilium egress (or egressDeny) rule covers TCP traffic to the address and port.</summary>
    private static Tri CiliumCovers(CompactJson rule, IPAddress address, int port)
    {
        if (!CiliumPortsCover(rule, port))
        {
            return Tri.No;
        }

        var peerFields = new[] { "toCIDR", "toCIDRSet", "toEntities", "toEndpoints", "toServices", "toNodes", "toFQDNs", "toGroups", "toRequires" };
        var anyPeer = peerFields.Any(f => rule.Get(f).Count() > 0);
        if (!anyPeer)
        {
            // An L4-only rule (toPorts without peers) applies to every destination; an empty rule allows nothing.
            return rule.Get("toPorts").Count() > 0 ? Tri.Yes : Tri.No;
        }

        foreach (var c in rule.Strings("toCIDR"))
        {
            if (IpCidr.TryParse(c, out var cidr) && cidr.Contains(address))
            {
                return Tri.Yes;
            }
        }

        var unknown = rule.Get("toFQDNs").Count() > 0 || rule.Get("toGroups").Count() > 0;
        foreach (var set in rule.Items("toCIDRSet"))
        {
            if (set.Get("cidrGroupRef").Exists() || set.Get("cidrGroupSelector").Exists())
            {
                unknown = true;
                continue;
            }

            if (IpCidr.TryParse(set.Str("cidr"), out var cidr) && cidr.Contains(address) &&
                !set.Strings("except").Any(x => IpCidr.TryParse(x, out var xc) && xc.Contains(address)))
            {
                return Tri.Yes;
            }
        }

        var world = address.AddressFamily == AddressFamily.InterNetworkV6 ? "world-ipv6" : "world-ipv4";
        foreach (var e in rule.Strings("toEntities"))
        {
            if (e is "world" or "all" || e == world)
            {
                return Tri.Yes;
            }
        }

        return unknown ? Tri.Unknown : Tri.No;
    }

    private static bool CiliumPortsCover(CompactJson rule, int port)
    {
        var toPorts = rule.Get("toPorts");
        if (toPorts.Count() == 0)
        {
            return true;
        }

        foreach (var tp in toPorts.Items())
        {
            var ports = tp.Get("ports");
            if (ports.Count() == 0)
            {
                return true;
            }

            foreach (var p in ports.Items())
            {
                var proto = (p.Str("protocol") ?? "ANY").ToUpperInvariant();
                if (proto is not ("TCP" or "ANY"))
                {
                    continue;
                }

                var text = p.Str("port");
                if (string.IsNullOrEmpty(text) || text == "0")
                {
                    return true;
                }

                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    var end = p.Long("endPort") is { } ep && ep >= n ? ep : n;
                    if (port >= n && port <= end)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    // ---------------------------------------------------------------- Calico

    private sealed class CalicoPolicy
    {
        public required KubeObject Policy { get; init; }
        public string? Namespace { get; init; }
        public CalicoSelector? Selector { get; init; }
        public CalicoSelector? NamespaceSelector { get; init; }
        public CalicoSelector? ServiceAccountSelector { get; init; }
        public string? Error { get; init; }
        public double? Order { get; init; }
        public bool Early { get; init; }
        public bool HostOnly { get; init; }
        public bool IngressType { get; init; }
        public bool EgressType { get; init; }
        public IReadOnlyList<CompactJson> IngressRules { get; init; } = [];
        public IReadOnlyList<CompactJson> EgressRules { get; init; } = [];

        public bool Types(PolicyDirection d) => d == PolicyDirection.Ingress ? IngressType : EgressType;

        /// <summary>No Allow/Pass rule for the direction: only Deny rules without criteria, Log rules, or nothing.</summary>
        public bool DeniesEverything(PolicyDirection d)
        {
            foreach (var r in d == PolicyDirection.Ingress ? IngressRules : EgressRules)
            {
                var action = r.Str("action") ?? "Allow";
                if (action == "Log")
                {
                    continue;
                }

                if (action != "Deny" || r.Props().Any(p => p.Name != "action" && !p.Value.IsEmptyObjectOrMissing()))
                {
                    return false;
                }

                return true; // a criteria-free Deny ends evaluation: everything after it is unreachable
            }

            return true;
        }
    }

    private void ParseCalico(KubeObject o)
    {
        var spec = o.Json.Get("spec");
        var ns = o.Kind == "NetworkPolicy" ? o.Namespace : null;
        string? error = null;
        var sel = CalicoSelector.Parse(spec.Str("selector"), out var e1);
        error ??= e1;
        CalicoSelector? nsSel = null;
        if (ns is null && spec.Str("namespaceSelector") is { Length: > 0 } nsText)
        {
            nsSel = CalicoSelector.Parse(nsText, out var e2);
            error ??= e2;
        }

        CalicoSelector? saSel = null;
        if (spec.Str("serviceAccountSelector") is { Length: > 0 } saText)
        {
            saSel = CalicoSelector.Parse(saText, out var e3);
            error ??= e3;
        }

        var ingress = spec.Items("ingress").ToList();
        var egress = spec.Items("egress").ToList();
        var types = spec.Strings("types").ToList();
        bool inType, egType;
        if (types.Count == 0)
        {
            // Calico defaulting: Egress when there are egress rules; Ingress when there are ingress rules or no egress rules.
            egType = egress.Count > 0;
            inType = ingress.Count > 0 || egress.Count == 0;
        }
        else
        {
            inType = types.Contains("Ingress");
            egType = types.Contains("Egress");
        }

        double? order = spec.Get("order").ValueKind == JsonValueKind.Number ? spec.Get("order").GetDouble()
            : double.TryParse(spec.Str("order"), NumberStyles.Float, CultureInfo.InvariantCulture, out var od) ? od : null;
        var tier = spec.Str("tier") ?? "default";
        _calico.Add(new CalicoPolicy
        {
            Policy = o,
            Namespace = ns,
            Selector = sel,
            NamespaceSelector = nsSel,
            ServiceAccountSelector = saSel,
            Error = error,
            Order = order,
            // Kubernetes NetworkPolicies are rendered into Calico's default tier with order 1000.
            Early = tier != "default" || order < 1000,
            HostOnly = spec.Bool("doNotTrack") == true || spec.Bool("preDNAT") == true,
            IngressType = inType,
            EgressType = egType,
            IngressRules = ingress,
            EgressRules = egress,
        });
    }

    private Tri CalicoRuleMatchesEgress(CompactJson rule, PodEndpoint pod, IPAddress address, int port)
    {
        var proto = rule.Get("protocol");
        if (proto.Exists() && !IsTcp(proto))
        {
            return Tri.No;
        }

        if (rule.Get("notProtocol").Exists() && IsTcp(rule.Get("notProtocol")))
        {
            return Tri.No;
        }

        if (rule.Get("icmp").Exists())
        {
            return Tri.No;
        }

        if (rule.Long("ipVersion") is { } v && (v == 6) != (address.AddressFamily == AddressFamily.InterNetworkV6))
        {
            return Tri.No;
        }

        var result = Tri.Yes;
        var src = rule.Get("source");
        foreach (var f in src.Props())
        {
            if (f.Value.IsEmptyObjectOrMissing() || (f.Value.ValueKind == JsonValueKind.Array && f.Value.GetArrayLength() == 0))
            {
                continue;
            }

            if (f.Name == "selector" && CalicoSelector.Parse(f.Value.Str(), out _) is { } ss)
            {
                var m = ss.Evaluate(CalicoPodLookup(pod, podLabelsKnown: true));
                if (m == false)
                {
                    return Tri.No;
                }

                continue;
            }

            result = Tri.Unknown; // source nets, ports, service accounts...: not decidable without pod IPs
        }

        var dst = rule.Get("destination");
        if (dst.Get("selector").Exists() || dst.Get("notSelector").Exists())
        {
            // Selectors match endpoints, and Calico network sets — which may hold the address.
            return _calicoNetworkSetNets.Any(n => n.Contains(address)) ? Tri.Unknown : Tri.No;
        }

        if (dst.Get("namespaceSelector").Exists() || dst.Get("serviceAccounts").Exists() || dst.Get("services").Exists())
        {
            return Tri.No;
        }

        if (dst.Get("domains").Exists())
        {
            return Tri.Unknown;
        }

        if (dst.Get("nets").Count() > 0 && !dst.Strings("nets").Any(n => IpCidr.TryParse(n, out var c) && c.Contains(address)))
        {
            return Tri.No;
        }

        if (dst.Strings("notNets").Any(n => IpCidr.TryParse(n, out var c) && c.Contains(address)))
        {
            return Tri.No;
        }

        if (dst.Get("ports").Count() > 0 && !dst.Get("ports").Items().Any(x => CalicoPortCovers(x, port)))
        {
            return Tri.No;
        }

        if (dst.Get("notPorts").Items().Any(x => CalicoPortCovers(x, port)))
        {
            return Tri.No;
        }

        return result;
    }

    private static bool IsTcp(CompactJson proto) => proto.Str() is "TCP" or "tcp" or "6";

    private static bool CalicoPortCovers(CompactJson x, int port)
    {
        if (x.ValueKind == JsonValueKind.Number)
        {
            return x.Long() == port;
        }

        var s = x.Str();
        if (s is null)
        {
            return false;
        }

        var colon = s.IndexOf(':');
        if (colon > 0 &&
            int.TryParse(s.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var a) &&
            int.TryParse(s.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var b))
        {
            return port >= a && port <= b;
        }

        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n == port;
    }

    // ---------------------------------------------------------------- AdminNetworkPolicy / BaselineAdminNetworkPolicy

    private sealed class AdminPolicy
    {
        public required KubeObject Policy { get; init; }
        public bool Baseline { get; init; }
        public long Priority { get; init; }
        public LabelSelector? SubjectNamespaces { get; init; }
        public LabelSelector? SubjectPodsNamespaces { get; init; }
        public LabelSelector? SubjectPodsPods { get; init; }
        public string? Error { get; init; }
        public List<AdminRule> Ingress { get; } = [];
        public List<AdminRule> Egress { get; } = [];

        /// <summary>The Deny rule(s) that cover every peer of the direction with no port restriction, or null.</summary>
        public string? DeniesEverything(PolicyDirection d)
        {
            var pods = (string?)null;
            var world = (string?)null;
            foreach (var r in d == PolicyDirection.Ingress ? Ingress : Egress)
            {
                if (r.Action != "Deny" || r.Ports.Count > 0)
                {
                    continue;
                }

                foreach (var peer in r.Peers)
                {
                    if (peer.CoversAllPods)
                    {
                        pods ??= $"spec.{Dir(d)}[{r.Index}]";
                    }

                    if (peer.Networks.Any(n => n.Prefix == 0 && n.Family == AddressFamily.InterNetwork))
                    {
                        world ??= $"spec.{Dir(d)}[{r.Index}]";
                    }
                }
            }

            // Ingress peers are pods only; egress must also deny the outside world (networks 0.0.0.0/0).
            return d == PolicyDirection.Ingress ? pods
                : pods is not null && world is not null ? (pods == world ? pods : pods + " and " + world) : null;
        }
    }

    private sealed class AdminRule
    {
        public int Index { get; init; }
        public required string Action { get; init; }
        public List<AdminPeer> Peers { get; } = [];
        public List<(string Protocol, int Start, int End)> Ports { get; } = [];

        public bool CoversAddress(IPAddress address, int port)
        {
            if (Ports.Count > 0 && !Ports.Any(p => p.Protocol == "TCP" && port >= p.Start && port <= p.End))
            {
                return false;
            }

            return Peers.Any(p => p.Networks.Any(n => n.Contains(address)));
        }
    }

    private sealed class AdminPeer
    {
        public bool CoversAllPods { get; init; }
        public List<IpCidr> Networks { get; } = [];
    }

    private void ParseAdmin(KubeObject o)
    {
        var spec = o.Json.Get("spec");
        var subject = spec.Get("subject");
        var nsSel = LabelSelector.FromJson(subject.Get("namespaces"));
        var pods = subject.Get("pods");
        var podsNs = pods.Exists() ? LabelSelector.FromJson(pods.Get("namespaceSelector")) ?? LabelSelector.Everything : null;
        var podsPods = pods.Exists() ? LabelSelector.FromJson(pods.Get("podSelector")) ?? LabelSelector.Everything : null;
        string? error = nsSel is null && podsNs is null ? "spec.subject selects neither namespaces nor pods"
            : nsSel?.Error ?? podsNs?.Error ?? podsPods?.Error;
        var policy = new AdminPolicy
        {
            Policy = o,
            Baseline = o.Kind == "BaselineAdminNetworkPolicy",
            Priority = spec.Long("priority") ?? long.MaxValue,
            SubjectNamespaces = nsSel,
            SubjectPodsNamespaces = podsNs,
            SubjectPodsPods = podsPods,
            Error = error,
        };
        ParseAdminRules(spec, "ingress", "from", policy.Ingress);
        ParseAdminRules(spec, "egress", "to", policy.Egress);
        _admin.Add(policy);
    }

    private static void ParseAdminRules(CompactJson spec, string field, string peersField, List<AdminRule> into)
    {
        var i = 0;
        foreach (var r in spec.Items(field))
        {
            var rule = new AdminRule { Index = i, Action = r.Str("action") ?? "" };
            foreach (var peer in r.Items(peersField))
            {
                var nsSel = LabelSelector.FromJson(peer.Get("namespaces"));
                var podsEl = peer.Get("pods");
                var allPods = nsSel is { IsEmpty: true } ||
                              (podsEl.Exists() && (LabelSelector.FromJson(podsEl.Get("namespaceSelector")) ?? LabelSelector.Everything).IsEmpty &&
                               (LabelSelector.FromJson(podsEl.Get("podSelector")) ?? LabelSelector.Everything).IsEmpty);
                var p = new AdminPeer { CoversAllPods = allPods };
                foreach (var n in peer.Strings("networks"))
                {
                    if (IpCidr.TryParse(n, out var c))
                    {
                        p.Networks.Add(c);
                    }
                }

                rule.Peers.Add(p);
            }

            foreach (var port in r.Items("ports"))
            {
                if (port.Get("portNumber") is { ValueKind: JsonValueKind.Object } pn && pn.Long("port") is { } n)
                {
                    rule.Ports.Add(((pn.Str("protocol") ?? "TCP").ToUpperInvariant(), (int)n, (int)n));
                }
                else if (port.Get("portRange") is { ValueKind: JsonValueKind.Object } pr && pr.Long("start") is { } s && pr.Long("end") is { } e)
                {
                    rule.Ports.Add(((pr.Str("protocol") ?? "TCP").ToUpperInvariant(), (int)s, (int)e));
                }
                else
                {
                    rule.Ports.Add(("NAMED", 0, -1)); // named ports never match an external address
                }
            }

            into.Add(rule);
            i++;
        }
    }
}
