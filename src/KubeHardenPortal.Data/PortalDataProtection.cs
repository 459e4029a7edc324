using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Data;

/// <summary>
/// One Data Protection key ring for every host (Web replicas and Workers): keys in the data_protection_keys table,
/// one application name, and the same key encryption. A payload protected by one host unprotects in another only when
/// both use this registration with the same certificates.
/// </summary>
public static partial class PortalDataProtection
{
    public const string ApplicationName = "KubeHardenPortal";

    /// <param name="keyEncryption">Section <see cref="PortalKeyEncryptionOptions.Section"/> of the host's configuration.</param>
    /// <param name="isDevelopment">Outside Development, keys stored in clear are worth a warning at startup.</param>
    public static IDataProtectionBuilder AddPortalDataProtection(this IServiceCollection services, PortalKeyEncryptionOptions keyEncryption,
        bool isDevelopment)
    {
        var builder = services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<PortalDbContext>();
        var hasPath = !string.IsNullOrWhiteSpace(keyEncryption.CertificatePath);
        var hasInline = !string.IsNullOrWhiteSpace(keyEncryption.CertificateBase64);
        if (hasPath && hasInline)
        {
            throw new InvalidOperationException("Set DataProtection:CertificatePath or DataProtection:CertificateBase64, not both");
        }

        if (hasPath || hasInline)
        {
            // New keys are encrypted to the current certificate; keys encrypted to a previous one stay readable while
            // that certificate is listed, so a certificate can be rotated without losing the key ring.
            var current = hasPath
                ? Load(keyEncryption.CertificatePath, keyEncryption.CertificatePassword)
                : LoadInline(keyEncryption.CertificateBase64!, keyEncryption.CertificatePassword);
            X509Certificate2[] all = [current, .. keyEncryption.PreviousCertificates.Select(c => Load(c.Path, c.Password))];
            builder.ProtectKeysWithCertificate(current).UnprotectKeysWithAnyCertificate(all);
        }

        if (!isDevelopment)
        {
            services.AddSingleton<IPostConfigureOptions<KeyManagementOptions>, WarnWhenKeysAreStoredInClear>();
        }

        return builder;
    }

    private static X509Certificate2 Load(string? path, string? password)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"Data Protection certificate file not found: '{path}' (DataProtection:CertificatePath)");
        }

        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        return certificate.HasPrivateKey
            ? certificate
            : throw new InvalidOperationException($"Data Protection certificate '{path}' has no private key: keys encrypted to it could not be read");
    }

    private static X509Certificate2 LoadInline(string base64, string? password)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("DataProtection:CertificateBase64 is not base64 (expected a base64-encoded PKCS#12 file)");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(bytes, password);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // The message says "wrong password" or "not PKCS#12"; never the password itself.
            throw new InvalidOperationException("DataProtection:CertificateBase64 cannot be read as PKCS#12 with DataProtection:CertificatePassword: " + ex.Message);
        }

        return certificate.HasPrivateKey
            ? certificate
            : throw new InvalidOperationException("DataProtection:CertificateBase64 has no private key: keys encrypted to it could not be read");
    }

    /// <summary>Runs once the key management options are final, i.e. when the key ring is first used (host start).</summary>
    private sealed partial class WarnWhenKeysAreStoredInClear(ILogger<WarnWhenKeysAreStoredInClear> logger) : IPostConfigureOptions<KeyManagementOptions>
    {
        public void PostConfigure(string? name, KeyManagementOptions options)
        {
            if (options.XmlEncryptor is null)
            {
                LogKeysInClear(logger);
            }
        }

        [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Data Protection keys are stored unencrypted in the database: " +
            "whoever can read the data_protection_keys table can forge cookies and decrypt e-mailed links in queued jobs. " +
            "Set DataProtection:CertificatePath or DataProtection:CertificateBase64 (and DataProtection__CertificatePassword) on every Web and Worker host")]
        private static partial void LogKeysInClear(ILogger logger);
    }
}

/// <summary>
/// Section "DataProtection": the certificate that encrypts the key ring at rest (<c>ProtectKeysWithCertificate</c>).
/// Configure every Web and Worker host identically.
/// </summary>
public sealed class PortalKeyEncryptionOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS#12 file (.pfx/.p12) with the private key. Unset: keys are stored unencrypted.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>
    /// The same PKCS#12 file as base64, for hosts configured only through the environment (docker compose:
    /// DataProtection__CertificateBase64 from the .env file). Use this or <see cref="CertificatePath"/>.
    /// </summary>
    public string? CertificateBase64 { get; set; }

    /// <summary>From a secret or the environment (DataProtection__CertificatePassword), never from appsettings.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Certificates that encrypted older keys, still needed to read them after a rotation.</summary>
    public List<PortalKeyCertificate> PreviousCertificates { get; set; } = [];
}

public sealed class PortalKeyCertificate
{
    public string? Path { get; set; }

    public string? Password { get; set; }
}
