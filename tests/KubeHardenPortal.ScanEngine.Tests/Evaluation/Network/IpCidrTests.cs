using System.Net;
using KubeHardenPortal.ScanEngine.Evaluation.Network;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Network;

public sealed class IpCidrTests
{
    private static IpCidr C(string s)
    {
        Assert.True(IpCidr.TryParse(s, out var c), s);
        return c;
    }

    [Theory]
    [InlineData("0.0.0.0/0", "169.254.169.254", true)]
    [InlineData("169.254.169.254/32", "169.254.169.254", true)]
    [InlineData("169.254.169.254/32", "169.254.169.253", false)]
    [InlineData("169.254.0.0/16", "169.254.170.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.1.2.3/8", "10.200.0.1", true)] // host bits after the prefix are accepted, as by the API server
    [InlineData("172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("172.16.0.0/12", "172.32.0.0", false)]
    [InlineData("::/0", "fd00:ec2::254", true)]
    [InlineData("fd00:ec2::254/128", "fd00:ec2::254", true)]
    [InlineData("fd00:ec2::/32", "fd00:ec3::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("0.0.0.0/0", "fd00:ec2::254", false)] // families never mix
    [InlineData("::/0", "169.254.169.254", false)]
    [InlineData("169.254.169.254", "169.254.169.254", true)] // a bare address is a /32
    [InlineData("0.0.0.0/0", "::ffff:169.254.169.254", true)] // IPv4-mapped IPv6 is the IPv4 address
    public void Contains(string cidr, string address, bool expected) =>
        Assert.Equal(expected, C(cidr).Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("::/129")]
    [InlineData("10.0.0/8")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("example.org/24")]
    [InlineData("fe80::1%eth0/64")]
    public void Invalid(string text) => Assert.False(IpCidr.TryParse(text, out _));

    [Fact]
    public void ContainsCidr()
    {
        Assert.True(C("0.0.0.0/0").Contains(C("169.254.169.254/32")));
        Assert.True(C("169.254.0.0/16").Contains(C("169.254.169.0/24")));
        Assert.False(C("169.254.169.0/24").Contains(C("169.254.0.0/16")));
        Assert.False(C("::/0").Contains(C("10.0.0.0/8")));
    }

    [Theory]
    [InlineData("34.120.44.7", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("10.0.0.10", false)]
    [InlineData("172.20.1.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("100.64.0.5", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("2a05:d014:abc::10", true)]
    [InlineData("fd12::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::1", false)]
    [InlineData("2001:db8::1", false)]
    public void IsPublic(string address, bool expected) =>
        Assert.Equal(expected, IpAddressClass.IsPublic(IPAddress.Parse(address)));
}
