using System.Collections.Concurrent;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeHardenPortal.Web.Tests.Hosting;

[Collection(PortalCollection.Name)]
public sealed class SecurityWiringTests(PortalFixture f)
{
    [Fact]
    public async Task Sso_IsRegisteredOnlyWhenConfigured()
    {
        var schemes = f.Web.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.Null(await schemes.GetSchemeAsync(SsoOptions.Scheme));

        await using var sso = new PortalWebFactory(f.Db.AppConnectionString, settings: new Dictionary<string, string?>
        {
            ["Authentication:Oidc:Authority"] = "https://login.example.com",
            ["Authentication:Oidc:ClientId"] = "kubeharden",
            ["Authentication:Oidc:DisplayName"] = "Example SSO",
        });
        var scheme = await sso.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(SsoOptions.Scheme);
        Assert.Equal("Example SSO", scheme?.DisplayName);
        var login = await sso.Browserless().GetStringAsync("/Account/Login");
        Assert.Contains("Continue with Example SSO", login, StringComparison.Ordinal);
        var headers = (await sso.Browserless().GetAsync("/Account/Login")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("form-action 'self' https://login.example.com", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataProtectionKeys_ArePersistedInTheDatabase()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        await TestUsers.SignedInClientAsync(f.Web, user.Email!); // issuing the cookie needs a key
        await using var owner = f.Db.OwnerContext();
        Assert.True(await owner.DataProtectionKeys.AnyAsync());
    }

    [Fact]
    public async Task Logs_OutsideDevelopment_NeverContainPasswordsOrEmailTokens()
    {
        var sink = new CapturingLoggerProvider();
        await using var web = new ProductionWithLogs(f.Db.AppConnectionString, sink);
        var client = web.Browserless();
        var email = $"logs-{Guid.NewGuid():N}@example.org";
        await Forms.SubmitAsync(client, "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.DisplayName"] = "Log Test",
            ["Input.Email"] = email,
            ["Input.Password"] = TestUsers.Password,
            ["Input.ConfirmPassword"] = TestUsers.Password,
        });
        await Forms.SubmitAsync(client, "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = TestUsers.Password });
        await Forms.SubmitAsync(client, "/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = email });

        Assert.NotEmpty(sink.Messages);
        Assert.DoesNotContain(sink.Messages, m => m.Contains(TestUsers.Password, StringComparison.Ordinal));
        Assert.DoesNotContain(sink.Messages, m => m.Contains("code=", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(sink.Messages, m => m.Contains("Password=", StringComparison.OrdinalIgnoreCase)); // connection strings
    }

    [Fact]
    public async Task Logs_OutsideDevelopment_NeverContainApiTokens()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, KubeHardenPortal.Data.Organizations.OrgRole.Owner));
        var minted = KubeHardenPortal.Web.Security.ApiTokenFormat.Mint(org);
        var now = TimeProvider.System.GetUtcNow();
        await using (var db = f.Db.OwnerContext())
        {
            db.ApiTokens.Add(new KubeHardenPortal.Data.ApiTokens.ApiToken
            {
                Id = Guid.NewGuid(), TenantId = org, Name = "logs", Prefix = minted.Prefix, TokenHash = minted.Hash,
                Role = KubeHardenPortal.Data.Organizations.OrgRole.Member, CreatedByUserId = owner.Id, CreatedAt = now, ExpiresAt = now.AddHours(1),
            });
            await db.SaveChangesAsync();
        }

        var sink = new CapturingLoggerProvider();
        await using var web = new ProductionWithLogs(f.Db.AppConnectionString, sink);
        var secret = minted.Token[^43..];
        var forged = minted.Token[..^43] + new string('A', 43);
        foreach (var token in new[] { minted.Token, forged })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/organization");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            await web.Browserless("https://localhost").SendAsync(request);
        }

        Assert.NotEmpty(sink.Messages);
        Assert.DoesNotContain(sink.Messages, m => m.Contains(secret, StringComparison.Ordinal) || m.Contains(forged[^43..], StringComparison.Ordinal));
        Assert.DoesNotContain(sink.Messages, m => m.Contains(minted.Hash, StringComparison.OrdinalIgnoreCase));
    }

    private sealed class ProductionWithLogs(string connection, ILoggerProvider sink)
        : PortalWebFactoryBase(connection)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
            builder.UseSetting("Email:ShowLinksOnPage", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Trace");
            builder.ConfigureLogging(l => l.AddProvider(sink));
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentBag<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Capturing(Messages);

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentBag<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Add(formatter(state, exception) + " " + exception);
        }
    }
}
