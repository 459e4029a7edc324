using System.Net;
using System.Net.Http.Headers;
using KubeHardenPortal.Data.ApiTokens;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KubeHardenPortal.Web.Tests.Api;

/// <summary>Token expiry and last-use bookkeeping follow the injected clock; the API is rate limited per caller.</summary>
[Collection(PortalCollection.Name)]
public sealed class ApiTokenClockTests(PortalFixture f)
{
    private async Task<(Guid Org, Guid TokenId, string Token)> SeedTokenAsync(DateTimeOffset now, TimeSpan lifetime)
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner));
        var minted = ApiTokenFormat.Mint(org);
        var id = Guid.NewGuid();
        await using var db = f.Db.OwnerContext();
        db.ApiTokens.Add(new ApiToken
        {
            Id = id, TenantId = org, Name = "clock", Prefix = minted.Prefix, TokenHash = minted.Hash, Role = OrgRole.Member,
            CreatedByUserId = owner.Id, CreatedAt = now, ExpiresAt = now + lifetime,
        });
        await db.SaveChangesAsync();
        return (org, id, minted.Token);
    }

    private static HttpClient Bearer(WebApplicationFactory<Program> web, string token)
    {
        var client = web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<DateTimeOffset?> LastUsedAsync(Guid id)
    {
        await using var db = f.Db.OwnerContext();
        return await db.ApiTokens.IgnoreQueryFilters().Where(t => t.Id == id).Select(t => t.LastUsedAt).SingleAsync();
    }

    [Fact]
    public async Task LastUsed_IsRecordedAtMostOnceAMinute_AndTheTokenExpiresOnTime()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        await using var web = f.Web.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var t0 = clock.GetUtcNow();
        var (_, id, token) = await SeedTokenAsync(t0, TimeSpan.FromHours(1));
        var client = Bearer(web, token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organization")).StatusCode);
        Assert.Equal(t0, await LastUsedAsync(id));

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organization")).StatusCode);
        Assert.Equal(t0, await LastUsedAsync(id));

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organization")).StatusCode);
        Assert.Equal(t0.AddSeconds(61), await LastUsedAsync(id));

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/organization")).StatusCode);
    }

    [Fact]
    public async Task Api_IsRateLimitedPerCaller_WithAProblemResponse()
    {
        await using var web = f.Web.WithWebHostBuilder(b => b.UseSetting("RateLimits:Api:PermitsPerMinute", "2"));
        var (_, _, token) = await SeedTokenAsync(TimeProvider.System.GetUtcNow().AddMinutes(-1), TimeSpan.FromHours(1));
        var (_, _, other) = await SeedTokenAsync(TimeProvider.System.GetUtcNow().AddMinutes(-1), TimeSpan.FromHours(1));
        var client = Bearer(web, token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organization")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organization")).StatusCode);
        var limited = await client.GetAsync("/api/v1/organization");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(web, other).GetAsync("/api/v1/organization")).StatusCode);
    }
}
