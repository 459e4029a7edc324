using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>How the next id_token is made: a good one, or one the portal must refuse.</summary>
public enum IdTokenFault
{
    None,
    WrongSignature,
    WrongAudience,
    Expired,
}

/// <summary>Who the provider says signs in next, and what is wrong with the id_token it issues.</summary>
public sealed record NextSignIn(string Subject, string Email, IdTokenFault Fault = IdTokenFault.None, bool EmailVerified = true);

/// <summary>
/// A minimal OpenID provider on real Kestrel (loopback, random port, plain HTTP): discovery, JWKS with an RSA key made
/// here, an authorize endpoint that answers at once with a code (query or form_post, as asked), a token endpoint that
/// checks the client secret, redirect_uri and PKCE (S256) and returns a signed id_token echoing the nonce, and userinfo.
/// Anything the client gets wrong is recorded in <see cref="ProtocolErrors"/> so tests can assert there was none.
/// </summary>
public sealed class FakeOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "khp-portal";
    public const string ClientSecret = "fake-oidc-client-secret";
    private const string KeyId = "fake-key-1";

    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, PendingCode> _codes = new();
    private readonly ConcurrentDictionary<string, NextSignIn> _accessTokens = new();
    private WebApplication _app = null!;
    private int _issued;

    private FakeOpenIdProvider()
    {
    }

    /// <summary>http://127.0.0.1:PORT, the issuer and the authority.</summary>
    public string Issuer { get; private set; } = "";

    public NextSignIn Next { get; set; } = new("nobody", "nobody@example.org");

    public ConcurrentQueue<string> ProtocolErrors { get; } = new();

    public int IdTokensIssued => _issued;

    public static async Task<FakeOpenIdProvider> StartAsync()
    {
        var provider = new FakeOpenIdProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        provider.Map(app);
        await app.StartAsync();
        provider._app = app;
        provider.Issuer = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.Single().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return provider;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = Issuer + "/authorize",
            ["token_endpoint"] = Issuer + "/token",
            ["userinfo_endpoint"] = Issuer + "/userinfo",
            ["jwks_uri"] = Issuer + "/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query", "form_post" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
            ["scopes_supported"] = new[] { "openid", "profile", "email" },
        }));

        app.MapGet("/jwks", () =>
        {
            var p = _key.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) },
                },
            });
        });

        app.MapGet("/authorize", (HttpRequest request) =>
        {
            var q = request.Query;
            string? Fail(string error)
            {
                ProtocolErrors.Enqueue("authorize: " + error);
                return error;
            }

            var error = q["client_id"] != ClientId ? Fail("unknown client_id " + q["client_id"])
                : q["response_type"] != "code" ? Fail("response_type is not code")
                : !q["scope"].ToString().Split(' ').Contains("openid") ? Fail("scope without openid")
                : q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) ? Fail("no S256 PKCE challenge")
                : string.IsNullOrEmpty(q["nonce"]) ? Fail("no nonce")
                : string.IsNullOrEmpty(q["state"]) ? Fail("no state")
                : null;
            if (error is not null)
            {
                return Results.BadRequest(error);
            }

            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _codes[code] = new PendingCode(q["redirect_uri"]!, q["nonce"]!, q["code_challenge"]!, Next);
            var answer = new Dictionary<string, string?> { ["code"] = code, ["state"] = q["state"], ["iss"] = Issuer };
            if (q["response_mode"] == "form_post")
            {
                // What real providers do for form_post: a page that posts the answer back to the client.
                var inputs = string.Concat(answer.Select(kv =>
                    $"<input type=\"hidden\" name=\"{kv.Key}\" value=\"{WebUtility.HtmlEncode(kv.Value)}\"/>"));
                return Results.Content(
                    $"<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{WebUtility.HtmlEncode(q["redirect_uri"])}\">{inputs}</form></body></html>",
                    "text/html");
            }

            return Results.Redirect(QueryHelpers.AddQueryString(q["redirect_uri"]!, answer));
        });

        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var (clientId, secret) = ClientCredentials(request, form);
            IResult Fail(string error, string detail)
            {
                ProtocolErrors.Enqueue("token: " + detail);
                return Results.Json(new { error, error_description = detail }, statusCode: 400);
            }

            if (form["grant_type"] != "authorization_code")
            {
                return Fail("unsupported_grant_type", "grant_type " + form["grant_type"]);
            }

            if (clientId != ClientId || secret != ClientSecret)
            {
                return Fail("invalid_client", "wrong client credentials");
            }

            if (!_codes.TryRemove(form["code"].ToString(), out var pending))
            {
                return Fail("invalid_grant", "unknown or reused code");
            }

            if (form["redirect_uri"] != pending.RedirectUri)
            {
                return Fail("invalid_grant", "redirect_uri differs from the authorize request");
            }

            var verifier = form["code_verifier"].ToString();
            if (Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != pending.CodeChallenge)
            {
                return Fail("invalid_grant", "PKCE code_verifier does not match the challenge");
            }

            var accessToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _accessTokens[accessToken] = pending.SignIn;
            Interlocked.Increment(ref _issued);
            return Results.Json(new
            {
                access_token = accessToken,
                token_type = "Bearer",
                expires_in = 300,
                id_token = IdToken(pending.SignIn, pending.Nonce),
            });
        });

        app.MapGet("/userinfo", (HttpRequest request) =>
        {
            var header = request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !_accessTokens.TryGetValue(header["Bearer ".Length..], out var who))
            {
                ProtocolErrors.Enqueue("userinfo: no valid bearer token");
                return Results.Unauthorized();
            }

            return Results.Json(new { sub = who.Subject, email = who.Email, email_verified = who.EmailVerified, name = "SSO " + who.Subject });
        });
    }

    private string IdToken(NextSignIn who, string nonce)
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        // Expired well beyond the handler's default 5-minute clock skew.
        var issuedAt = who.Fault == IdTokenFault.Expired ? now.AddHours(-1) : now;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = who.Fault == IdTokenFault.WrongAudience ? "some-other-client" : ClientId,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt.AddMinutes(who.Fault == IdTokenFault.Expired ? 30 : 5),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = who.Subject,
                ["email"] = who.Email,
                ["email_verified"] = who.EmailVerified,
                ["name"] = "SSO " + who.Subject,
                ["nonce"] = nonce,
            },
            // Same key id, different key: what a forged or tampered token looks like to the portal.
            SigningCredentials = new SigningCredentials(
                new RsaSecurityKey(who.Fault == IdTokenFault.WrongSignature ? _otherKey : _key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }

        return (form["client_id"], form["client_secret"]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
        _otherKey.Dispose();
    }

    private sealed record PendingCode(string RedirectUri, string Nonce, string CodeChallenge, NextSignIn SignIn);
}
