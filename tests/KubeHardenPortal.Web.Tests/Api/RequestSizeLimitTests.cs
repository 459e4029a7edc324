using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Api;

/// <summary>
/// The /api/v1 body limit (64 KiB) through real Kestrel and the Production pipeline: the in-memory TestServer has no
/// body-size feature, so only a real server shows whether the limit is enforced.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class RequestSizeLimitTests(PortalFixture f)
{
    [Theory]
    [InlineData(false)] // Content-Length announced: refused before the body is read
    [InlineData(true)]  // chunked: refused while reading, once 64 KiB have arrived
    public async Task OversizedApiPost_OverKestrel_Is413Problem_AndWritesNothing(bool chunked)
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        await TestUsers.SelectAsync(f.Db, owner.Id, org);

        await using var web = new PortalWebFactory(f.Db.AppConnectionString, environment: "Production");
        web.UseKestrel(0);
        web.StartServer();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(address) };
        var signIn = await Forms.SubmitAsync(client, "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = owner.Email!, ["Input.Password"] = TestUsers.Password });
        Assert.Equal("/", Forms.LocationPath(signIn));

        // Just under the limit is an ordinary request (a 400 for the too-long name, proving the body was read).
        using (var small = await client.PostAsync("/api/v1/api-tokens", Body(60 * 1024, chunked)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, small.StatusCode);
        }

        using var response = await client.PostAsync("/api/v1/api-tokens", Body(70 * 1024, chunked));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(413, problem.GetProperty("status").GetInt32());

        await using var db = f.Db.OwnerContext();
        Assert.False(await db.ApiTokens.IgnoreQueryFilters().AnyAsync(t => t.TenantId == org));
        Assert.False(await db.AuditEvents.IgnoreQueryFilters().AnyAsync(e => e.TenantId == org && e.Action.StartsWith("token.")));
    }

    /// <summary>A token request whose name makes the JSON body about <paramref name="bytes"/> long.</summary>
    private static HttpContent Body(int bytes, bool chunked)
    {
        var json = Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(new { name = new string('a', bytes), role = (int)OrgRole.Member, expiresInDays = 1 }));
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(json)) : new ByteArrayContent(json);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    /// <summary>A stream that cannot say its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
