using System.Security.Cryptography;
using System.Text;

namespace KubeHardenPortal.Web.Features.Invitations;

/// <summary>The invitation link: organization id plus a random token. Only the token's SHA-256 hash is stored.</summary>
public static class InvitationLink
{
    public const string Path = "/invitations/accept";

    public static string NewToken() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The app-relative link (the page makes it absolute with the site's base address).</summary>
    public static string For(Guid organizationId, string token) => $"{Path}?org={organizationId:D}&token={Uri.EscapeDataString(token)}";

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
