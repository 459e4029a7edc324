using System.Text;
using QRCoder;

namespace KubeHardenPortal.Web.Features.Account.Manage;

internal static class AuthenticatorKey
{
    /// <summary>Groups of four, lower case: easier to type into an app.</summary>
    public static string Format(string key)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            sb.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }

        return sb.ToString().TrimEnd().ToLowerInvariant();
    }

    /// <summary>A PNG QR code as a data URI (CSP allows data: images; no script needed).</summary>
    public static string QrCodeDataUri(string otpauthUri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(otpauthUri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6, [15, 23, 42], [255, 255, 255]);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
