using KubeHardenPortal.Testing;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>
/// A second portal host on the fixture's database, wired to fake external services: single sign-on against
/// <see cref="FakeOpenIdProvider"/> and account e-mail through <see cref="FakeSmtpServer"/> (plain SMTP, no TLS).
/// </summary>
public sealed class SsoPortal : IAsyncDisposable
{
    private SsoPortal(FakeOpenIdProvider idp, FakeSmtpServer smtp, SsoWebFactory web)
    {
        Idp = idp;
        Smtp = smtp;
        Web = web;
    }

    public FakeSmtpServer Smtp { get; }

    public FakeOpenIdProvider Idp { get; }

    /// <summary>The SSO host's warnings and errors.</summary>
    public ListLoggerProvider Log => ((SsoWebFactory)Web).Log;

    public PortalWebFactoryBase Web { get; }

    /// <param name="appConnectionString">The fixture's database, as khp_app.</param>
    /// <param name="onRealPort">Kestrel on a loopback port for a real browser, instead of the in-memory test server.</param>
    public static async Task<SsoPortal> StartAsync(string appConnectionString, bool onRealPort = false)
    {
        var idp = await FakeOpenIdProvider.StartAsync();
        var smtp = new FakeSmtpServer();
        var web = new SsoWebFactory(appConnectionString, new Dictionary<string, string?>
        {
            [$"{SsoOptions.Section}:Authority"] = idp.Issuer,
            [$"{SsoOptions.Section}:ClientId"] = FakeOpenIdProvider.ClientId,
            [$"{SsoOptions.Section}:ClientSecret"] = FakeOpenIdProvider.ClientSecret,
            [$"{SsoOptions.Section}:DisplayName"] = "Fake IdP",
            ["Email:SmtpHost"] = "127.0.0.1",
            ["Email:SmtpPort"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:SmtpUseTls"] = "false",
        });
        if (onRealPort)
        {
            web.UseKestrel(0);
        }

        web.StartServer();
        return new SsoPortal(idp, smtp, web);
    }

    public async ValueTask DisposeAsync()
    {
        await Web.DisposeAsync();
        await Idp.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    private sealed class SsoWebFactory(string appConnectionString, IReadOnlyDictionary<string, string?> settings)
        : PortalWebFactoryBase(appConnectionString, settings: settings)
    {
        public ListLoggerProvider Log { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(l => l.AddProvider(Log));
            // Tests only: the fake provider speaks plain HTTP on loopback. Everything else is validated as in production.
            builder.ConfigureTestServices(s =>
                s.Configure<OpenIdConnectOptions>(SsoOptions.Scheme, o => o.RequireHttpsMetadata = false));
        }
    }
}
