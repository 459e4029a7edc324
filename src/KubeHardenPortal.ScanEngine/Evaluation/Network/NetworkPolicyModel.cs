using System.Globalization;
using System.Net;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

public enum PolicyDirection
{
    Ingress,
    Egress,
}

/// <summary>A container port a pod declares; named ports in policies resolve against these.</summary>
public sealed record DeclaredPort(string? Name, int Port, string Protocol);

/// <summary>
/// A pod as the NetworkPolicy engine sees it: namespace, labels, declared ports (for named ports), and whether
/// it uses the host network (then NetworkPolicy generally does not govern it).
/// </summary>
public sealed class PodEndpoint
{
    public PodEndpoint(string ns, IReadOnlyDictionary<string, string> labels, IReadOnlyList<DeclaredPort>? ports = null,
        bool hostNetwork = false, string serviceAccount = "default")
    {
        Namespace = ns;
        Labels = labels;
        Ports = ports ?? [];
        HostNetwork = hostNetwork;
        ServiceAccount = serviceAccount;
    }

    public string Namespace { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public IReadOnlyList<DeclaredPort> Ports { get; }
    public bool HostNetwork { get; }
    public string ServiceAccount { get; }

    public static PodEndpoint FromWorkload(Workload w)
    {
        var ports = new List<DeclaredPort>();
        foreach (var c in w.AllContainers)
        {
            if (c.Type == ContainerType.Ephemeral)
            {
                continue; // ephemeral containers cannot declare ports
            }

            foreach (var p in c.Json.Items("ports"))
            {
                if (p.Long("containerPort") is { } n and > 0 and <= 65535)
                {
                    ports.Add(new DeclaredPort(p.Str("name"), (int)n, p.Str("protocol") ?? "TCP"));
                }
            }
        }

        return new PodEndpoint(w.Namespace ?? "default", w.PodLabels, ports, w.PodSpec.Bool("hostNetwork") == true, w.ServiceAccountName);
    }
}

/// <summary>One entry of a rule's <c>ports</c>: protocol (default TCP), a number or a name, optional endPort.</summary>
public sealed class NetworkPolicyPort
{
    internal NetworkPolicyPort(string protocol, int? number, string? name, int? endPort)
    {
        Protocol = protocol;
        Number = number;
        Name = name;
        EndPort = endPort;
    }

    public string Protocol { get; }

    /// <summary>Numeric port; null with a null <see cref="Name"/> means every port of the protocol.</summary>
    public int? Number { get; }

    /// <summary>Named port: matches only destination pods that declare a container port of that name.</summary>
    public string? Name { get; }

    /// <summary>Inclusive upper end of a range starting at <see cref="Number"/>.</summary>
    public int? EndPort { get; }

    internal static NetworkPolicyPort Parse(CompactJson e)
    {
        var protocol = e.Str("protocol") is { Length: > 0 } p ? p.ToUpperInvariant() : "TCP";
        var port = e.Get("port");
        int? number = null;
        string? name = null;
        if (port.ValueKind == JsonValueKind.Number && port.Long() is { } n)
        {
            number = (int)Math.Clamp(n, 0, 65536);
        }
        else if (port.ValueKind == JsonValueKind.String && port.GetString() is { Length: > 0 } s)
        {
            // IntOrString: digits written as a string are still a number for practical purposes.
            if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                number = parsed;
            }
            else
            {
                name = s;
            }
        }

        // endPort only applies to a numeric port and must not be below it (the API rejects other combinations).
        int? end = number is { } start && e.Long("endPort") is { } ep && ep >= start ? (int)Math.Min(ep, 65535) : null;
        return new NetworkPolicyPort(protocol, number, name, end);
    }

    /// <summary>
    /// True when traffic to <paramref name="port"/>/<paramref name="protocol"/> matches this entry. A named port
    /// resolves against <paramref name="destinationPorts"/> (null: the destination is not a pod, so never).
    /// </summary>
    public bool Matches(int port, string protocol, IReadOnlyList<DeclaredPort>? destinationPorts)
    {
        if (!string.Equals(protocol, Protocol, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Name is not null)
        {
            if (destinationPorts is null)
            {
                return false;
            }

            foreach (var d in destinationPorts)
            {
                if (d.Name == Name && d.Port == port && string.Equals(d.Protocol, Protocol, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        if (Number is not { } start)
        {
            return true;
        }

        return EndPort is { } end ? port >= start && port <= end : port == start;
    }

    public override string ToString() =>
        Name is not null ? $"{Protocol}/{Name}"
        : Number is null ? $"{Protocol}/*"
        : EndPort is { } e ? $"{Protocol}/{Number}-{e}"
        : $"{Protocol}/{Number}";
}

/// <summary>An ipBlock peer: a CIDR minus its <c>except</c> CIDRs.</summary>
public sealed class IpBlock
{
    internal IpBlock(IpCidr cidr, IReadOnlyList<IpCidr> except)
    {
        Cidr = cidr;
        Except = except;
    }

    public IpCidr Cidr { get; }
    public IReadOnlyList<IpCidr> Except { get; }

    public bool Contains(IPAddress address)
    {
        if (!Cidr.Contains(address))
        {
            return false;
        }

        foreach (var x in Except)
        {
            if (x.Contains(address))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() =>
        Except.Count == 0 ? Cidr.Text : $"{Cidr.Text} except {string.Join(", ", Except.Select(x => x.Text))}";
}

/// <summary>
/// One item of a rule's <c>from</c>/<c>to</c>. A podSelector alone means pods of the policy's namespace; a
/// namespaceSelector alone means every pod of the selected namespaces; both in ONE item are an AND. An ipBlock
/// matches addresses only. A malformed peer (nothing set, or ipBlock mixed with selectors) matches nothing.
/// </summary>
public sealed class NetworkPolicyPeer
{
    internal NetworkPolicyPeer(string path, LabelSelector? podSelector, LabelSelector? namespaceSelector, IpBlock? ipBlock, string? error)
    {
        Path = path;
        PodSelector = podSelector;
        NamespaceSelector = namespaceSelector;
        IpBlock = ipBlock;
        Error = error;
    }

    public string Path { get; }
    public LabelSelector? PodSelector { get; }
    public LabelSelector? NamespaceSelector { get; }
    public IpBlock? IpBlock { get; }
    public string? Error { get; }

    internal static NetworkPolicyPeer Parse(CompactJson e, string path)
    {
        var pod = LabelSelector.FromJson(e.Get("podSelector"));
        var ns = LabelSelector.FromJson(e.Get("namespaceSelector"));
        var ipEl = e.Get("ipBlock");
        IpBlock? ip = null;
        string? error = null;
        if (ipEl.Exists())
        {
            if (!IpCidr.TryParse(ipEl.Str("cidr"), out var cidr))
            {
                error = $"ipBlock.cidr \"{ipEl.Str("cidr")}\" is not a valid CIDR";
            }
            else
            {
                var except = new List<IpCidr>();
                foreach (var x in ipEl.Strings("except"))
                {
                    if (IpCidr.TryParse(x, out var xc))
                    {
                        except.Add(xc);
                    }
                    else
                    {
                        error ??= $"ipBlock.except entry \"{x}\" is not a valid CIDR";
                    }
                }

                ip = new IpBlock(cidr, except);
            }

            if (pod is not null || ns is not null)
            {
                error ??= "ipBlock cannot be combined with podSelector or namespaceSelector";
            }
        }
        else if (pod is null && ns is null)
        {
            error = "peer sets none of podSelector, namespaceSelector or ipBlock";
        }

        return new NetworkPolicyPeer(path, pod, ns, ip, error);
    }

    public override string ToString() =>
        Error is not null ? "<invalid peer: " + Error + ">"
        : IpBlock is not null ? "ipBlock " + IpBlock
        : PodSelector is not null && NamespaceSelector is not null ? $"pods {PodSelector} in namespaces {NamespaceSelector}"
        : PodSelector is not null ? $"pods {PodSelector}"
        : $"namespaces {NamespaceSelector}";
}

/// <summary>One ingress or egress rule. No peers means all sources/destinations; no ports means all ports.</summary>
public sealed class NetworkPolicyRule
{
    internal NetworkPolicyRule(int index, string path, IReadOnlyList<NetworkPolicyPeer> peers, IReadOnlyList<NetworkPolicyPort> ports)
    {
        Index = index;
        Path = path;
        Peers = peers;
        Ports = ports;
    }

    public int Index { get; }

    /// <summary>JSON path of the rule, e.g. "spec.egress[0]".</summary>
    public string Path { get; }

    public IReadOnlyList<NetworkPolicyPeer> Peers { get; }
    public IReadOnlyList<NetworkPolicyPort> Ports { get; }

    public bool AllPeers => Peers.Count == 0;
    public bool AllPorts => Ports.Count == 0;

    /// <summary>An allow-all rule: no peers and no ports (e.g. <c>ingress: [{}]</c>).</summary>
    public bool AllowsEverything => AllPeers && AllPorts;

    public bool MatchesPort(int port, string protocol, IReadOnlyList<DeclaredPort>? destinationPorts)
    {
        if (AllPorts)
        {
            return true;
        }

        foreach (var p in Ports)
        {
            if (p.Matches(port, protocol, destinationPorts))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A parsed networking.k8s.io/v1 NetworkPolicy with its effective policyTypes (CATALOG.md §1.10).</summary>
public sealed class NetworkPolicyInfo
{
    private NetworkPolicyInfo(KubeObject obj, LabelSelector podSelector, bool ingressType, bool egressType, bool defaulted,
        IReadOnlyList<NetworkPolicyRule> ingress, IReadOnlyList<NetworkPolicyRule> egress)
    {
        Object = obj;
        PodSelector = podSelector;
        IsolatesIngress = ingressType;
        IsolatesEgress = egressType;
        PolicyTypesDefaulted = defaulted;
        IngressRules = ingress;
        EgressRules = egress;
    }

    public KubeObject Object { get; }
    public string Namespace => Object.Namespace ?? "default";
    public string Name => Object.Name;

    /// <summary>spec.podSelector; absent or null is the empty selector (all pods of the namespace).</summary>
    public LabelSelector PodSelector { get; }

    /// <summary>True when the selector is empty (not merely matching every current pod).</summary>
    public bool SelectsAllPods => PodSelector.IsEmpty;

    public bool IsolatesIngress { get; }
    public bool IsolatesEgress { get; }

    /// <summary>True when spec.policyTypes was omitted or empty and the engine applied the API defaulting.</summary>
    public bool PolicyTypesDefaulted { get; }

    public IReadOnlyList<NetworkPolicyRule> IngressRules { get; }
    public IReadOnlyList<NetworkPolicyRule> EgressRules { get; }

    public bool Isolates(PolicyDirection d) => d == PolicyDirection.Ingress ? IsolatesIngress : IsolatesEgress;

    /// <summary>The rules of a direction; empty when the direction is not in the effective policyTypes (they are ignored).</summary>
    public IReadOnlyList<NetworkPolicyRule> Rules(PolicyDirection d) =>
        !Isolates(d) ? [] : d == PolicyDirection.Ingress ? IngressRules : EgressRules;

    public bool Selects(IReadOnlyDictionary<string, string> podLabels) => PodSelector.Matches(podLabels);

    public string EffectivePolicyTypes =>
        IsolatesIngress && IsolatesEgress ? "Ingress, Egress" : IsolatesIngress ? "Ingress" : IsolatesEgress ? "Egress" : "none";

    public override string ToString() => $"NetworkPolicy {Namespace}/{Name}";

    internal static NetworkPolicyInfo Parse(KubeObject obj)
    {
        var spec = obj.Json.Get("spec");
        // podSelector is a struct in the API: absent or null decodes to the empty selector, which selects all pods.
        var selector = LabelSelector.FromJson(spec.Get("podSelector")) ?? LabelSelector.Everything;
        var ingress = ParseRules(spec, "ingress", "from");
        var egress = ParseRules(spec, "egress", "to");

        var types = spec.Strings("policyTypes").ToList();
        bool inType, egType, defaulted;
        if (types.Count == 0)
        {
            // API defaulting: Ingress always; Egress only when egress rules exist (egress: [] adds nothing).
            defaulted = true;
            inType = true;
            egType = egress.Count > 0;
        }
        else
        {
            defaulted = false;
            inType = types.Contains("Ingress");
            egType = types.Contains("Egress");
        }

        return new NetworkPolicyInfo(obj, selector, inType, egType, defaulted, ingress, egress);
    }

    private static List<NetworkPolicyRule> ParseRules(CompactJson spec, string field, string peersField)
    {
        var rules = new List<NetworkPolicyRule>();
        var i = 0;
        foreach (var r in spec.Items(field))
        {
            var path = $"spec.{field}[{i}]";
            var peers = new List<NetworkPolicyPeer>();
            var j = 0;
            foreach (var p in r.Items(peersField))
            {
                peers.Add(NetworkPolicyPeer.Parse(p, $"{path}.{peersField}[{j}]"));
                j++;
            }

            var ports = new List<NetworkPolicyPort>();
            foreach (var p in r.Items("ports"))
            {
                ports.Add(NetworkPolicyPort.Parse(p));
            }

            rules.Add(new NetworkPolicyRule(i, path, peers, ports));
            i++;
        }

        return rules;
    }
}
