using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>
/// An IPv4 or IPv6 CIDR. Parsing is as lenient as the API server's (host bits after the prefix are allowed and
/// ignored); address families never mix, so 0.0.0.0/0 does not contain IPv6 addresses and ::/0 no IPv4 ones.
/// </summary>
public readonly struct IpCidr
{
    private readonly byte[] _network;

    private IpCidr(byte[] network, int prefix, AddressFamily family, string text)
    {
        _network = network;
        Prefix = prefix;
        Family = family;
        Text = text;
    }

    public int Prefix { get; }
    public AddressFamily Family { get; }

    /// <summary>The CIDR as written.</summary>
    public string Text { get; }

    /// <summary>Parses "a.b.c.d/n" or "x::y/n"; a bare address is a single-host CIDR.</summary>
    public static bool TryParse(string? text, out IpCidr cidr)
    {
        cidr = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        var slash = t.IndexOf('/');
        var addrText = slash < 0 ? t : t[..slash];
        // IPAddress also accepts legacy shorthand ("10.0.0" or "10"), which the API server rejects.
        if (!IPAddress.TryParse(addrText, out var addr) || addrText.Contains('%') ||
            (addr.AddressFamily == AddressFamily.InterNetwork && !addrText.Contains(':') && addrText.Count(c => c == '.') != 3))
        {
            return false;
        }

        addr = Normalize(addr);
        var bytes = addr.GetAddressBytes();
        var max = bytes.Length * 8;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(t.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }

        Mask(bytes, prefix);
        cidr = new IpCidr(bytes, prefix, addr.AddressFamily, t);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        address = Normalize(address);
        if (_network is null || address.AddressFamily != Family)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        Mask(bytes, Prefix);
        return bytes.AsSpan().SequenceEqual(_network);
    }

    /// <summary>True when every address of <paramref name="other"/> is inside this CIDR.</summary>
    public bool Contains(IpCidr other)
    {
        if (_network is null || other._network is null || other.Family != Family || other.Prefix < Prefix)
        {
            return false;
        }

        var bytes = (byte[])other._network.Clone();
        Mask(bytes, Prefix);
        return bytes.AsSpan().SequenceEqual(_network);
    }

    public override string ToString() => Text;

    /// <summary>IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are treated as the IPv4 address they carry.</summary>
    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private static void Mask(byte[] bytes, int prefix)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = prefix - (i * 8);
            bytes[i] = bits >= 8 ? bytes[i] : bits <= 0 ? (byte)0 : (byte)(bytes[i] & (0xFF << (8 - bits)));
        }
    }
}

/// <summary>Classifies addresses as publicly routable or not (private, loopback, link-local, shared, reserved).</summary>
public static class IpAddressClass
{
    private static readonly IpCidr[] NonPublic = Parse(
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8");

    private static readonly IpCidr GlobalUnicastV6 = Parse("2000::/3")[0];

    /// <summary>True for addresses routable on the internet (IPv4 outside special ranges; IPv6 global unicast).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var c in NonPublic)
        {
            if (c.Contains(address))
            {
                return false;
            }
        }

        return address.AddressFamily == AddressFamily.InterNetwork || GlobalUnicastV6.Contains(address);
    }

    private static IpCidr[] Parse(params string[] cidrs)
    {
        var result = new IpCidr[cidrs.Length];
        for (var i = 0; i < cidrs.Length; i++)
        {
            if (!IpCidr.TryParse(cidrs[i], out result[i]))
            {
                throw new InvalidOperationException("bad built-in CIDR " + cidrs[i]);
            }
        }

        return result;
    }
}
