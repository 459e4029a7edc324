using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHardenPortal.Testing;
using KubeHardenPortal.Web.Tests.Infrastructure;
using KubeHardenPortal.Worker.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Tests.Hosting;

/// <summary>
/// The key ring encrypted at rest with a certificate (DataProtection:CertificatePath), on a database of its own so its
/// first key is made under that configuration: no key material in clear in the table, and Web and Worker configured
/// the same way read each other's payloads.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DataProtectionKeyEncryptionTests(PortalFixture f) : IAsyncLifetime
{
    private const string Purpose = "KubeHardenPortal.Tests.KeyEncryption";
    private const string Password = "test-certificate-password";
    private readonly string _dir = Directory.CreateTempSubdirectory("khp-dp-").FullName;
    private PortalDatabase _db = null!;

    public async Task InitializeAsync() => _db = await PortalDatabase.CreateAsync(f.Server);

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task WithACertificate_StoredKeysHoldNoPlainMasterKey_AndWebAndWorkerReadEachOthersPayloads()
    {
        var settings = CertificateSettings(WriteCertificate("current"));
        await using var web = new PortalWebFactory(_db.AppConnectionString, settings: settings);
        using var worker = Worker(settings);
        var fromWeb = web.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        var fromWorker = worker.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

        var protectedByWeb = fromWeb.Protect("made by the web");
        Assert.Equal("made by the web", fromWorker.Unprotect(protectedByWeb));
        Assert.Equal("made by the worker", fromWeb.Unprotect(fromWorker.Protect("made by the worker")));

        await using (var owner = _db.OwnerContext())
        {
            var keys = await owner.DataProtectionKeys.Select(k => k.Xml!).ToListAsync();
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
                Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
                Assert.Contains("EncryptedKey", xml, StringComparison.Ordinal);
                Assert.Contains("EncryptedXmlDecryptor", xml, StringComparison.Ordinal);
            });
        }

        // A host without the certificate cannot read that key ring, so the encryption is real.
        using var withoutCertificate = Worker(new Dictionary<string, string?>());
        Assert.ThrowsAny<CryptographicException>(() =>
            withoutCertificate.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedByWeb));
    }

    [Fact]
    public async Task AnInlineBase64Certificate_EncryptsKeysLikeAFile_AndReadsWhatTheFileProtected()
    {
        var path = WriteCertificate("inline");
        var inline = new Dictionary<string, string?>
        {
            ["DataProtection:CertificateBase64"] = Convert.ToBase64String(File.ReadAllBytes(path)),
            ["DataProtection:CertificatePassword"] = Password,
        };
        await using var web = new PortalWebFactory(_db.AppConnectionString, settings: inline);
        using var worker = Worker(CertificateSettings(path));

        var payload = web.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("inline certificate");

        Assert.Equal("inline certificate", worker.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(payload));
        await using var owner = _db.OwnerContext();
        Assert.All(await owner.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(),
            xml => Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not base64 at all!", "not base64")]
    [InlineData("AAECAwQF", "cannot be read as PKCS#12")]
    public void ABadInlineCertificate_StopsTheHostWithAClearMessage_WithoutThePassword(string base64, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataProtection:CertificateBase64"] = base64,
            ["DataProtection:CertificatePassword"] = "do-not-echo-this-password",
        };

        var ex = Assert.ThrowsAny<Exception>(() =>
        {
            using var worker = Worker(settings);
            _ = worker.Services.GetRequiredService<IDataProtectionProvider>();
        });

        var message = ex.ToString();
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-echo-this-password", message, StringComparison.Ordinal);
    }

    [Fact]
    public void APathAndAnInlineCertificateTogether_AreRefused()
    {
        var settings = CertificateSettings(WriteCertificate("both"));
        settings["DataProtection:CertificateBase64"] = "AAAA";

        var ex = Assert.ThrowsAny<Exception>(() =>
        {
            using var worker = Worker(settings);
            _ = worker.Services.GetRequiredService<IDataProtectionProvider>();
        });

        Assert.Contains("not both", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterACertificateRotation_KeysOfThePreviousOneStayReadable()
    {
        var old = WriteCertificate("old");
        await using (var before = new PortalWebFactory(_db.AppConnectionString, settings: CertificateSettings(old)))
        {
            var payload = before.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("before the rotation");
            var rotated = CertificateSettings(WriteCertificate("new"));
            rotated["DataProtection:PreviousCertificates:0:Path"] = old;
            rotated["DataProtection:PreviousCertificates:0:Password"] = Password;
            using var worker = Worker(rotated);
            Assert.Equal("before the rotation", worker.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(payload));
        }
    }

    [Fact]
    public void OutsideDevelopment_WithoutACertificate_StartupWarns_AndWithOneItDoesNot()
    {
        Assert.Contains(WarningsOf(new Dictionary<string, string?>()), m => m.Contains("stored unencrypted", StringComparison.Ordinal));
        Assert.DoesNotContain(WarningsOf(CertificateSettings(WriteCertificate("quiet"))), m => m.Contains("stored unencrypted", StringComparison.Ordinal));
    }

    private List<string> WarningsOf(Dictionary<string, string?> settings)
    {
        var log = new ListLoggerProvider();
        using var worker = Worker(settings, log); // a Production host (the default environment)
        _ = worker.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value; // what the key ring does at startup
        return log.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
    }

    private IHost Worker(Dictionary<string, string?> settings, ILoggerProvider? log = null) => WorkerHost.CreateBuilder([], builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = _db.AppConnectionString,
            ["ConnectionStrings:Hangfire"] = _db.JobsConnectionString,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
        }
    }).Build();

    private static Dictionary<string, string?> CertificateSettings(string path) => new()
    {
        ["DataProtection:CertificatePath"] = path,
        ["DataProtection:CertificatePassword"] = Password,
    };

    private string WriteCertificate(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN=khp-dataprotection-{name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddYears(1));
        var path = Path.Combine(_dir, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }
}
