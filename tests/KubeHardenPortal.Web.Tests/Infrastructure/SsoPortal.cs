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
/// <see cref="FakeOpenIdProvider"/>.
/// </summary>
public sealed class SsoPortal : IAsyncDisposable
{
    private SsoPortal(FakeOpenIdProvider idp, SsoWebFactory web)
    {
        Idp = idp;
        Web = web;
    }

    public FakeOpenIdProvider Idp { get; }

    /// <summary>The SSO host's warnings and errors.</summary>
    public ListLoggerProvider Log => ((SsoWebFactory)Web).Log;

    public PortalWebFactoryBase Web { get; }

    /// <param name="appConnectionString">The fixture's database, as khp_app.</param>
    /// <param name="onRealPort">Kestrel on a loopback port for a real browser, instead of the in-memory test server.</param>
    public static async Task<SsoPortal> StartAsync(string appConnectionString, bool onRealPort = false)
    {
        var idp = await FakeOpenIdProvider.StartAsync();
        var web = new SsoWebFactory(appConnectionString, new Dictionary<string, string?>
        {
            [$"{SsoOptions.Section}:Authority"] = idp.Issuer,
            [$"{SsoOptions.Section}:ClientId"] = FakeOpenIdProvider.ClientId,
            [$"{SsoOptions.Section}:ClientSecret"] = FakeOpenIdProvider.ClientSecret,
            [$"{SsoOptions.Section}:DisplayName"] = "Fake IdP",
        });
        if (onRealPort)
        {
            web.UseKestrel(0);
        }

        web.StartServer();
        return new SsoPortal(idp, web);
    }

    public async ValueTask DisposeAsync()
    {
        await Web.DisposeAsync();
        await Idp.DisposeAsync();
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
