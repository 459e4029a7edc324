using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// The API token format: <c>khp_&lt;organization id as 32 hex&gt;_&lt;32 random bytes, base64url&gt;</c>. The organization is
/// readable before the lookup, so the lookup runs inside that tenant (row-level security) and never across tenants.
/// Only the SHA-256 hash and a short display prefix are stored.
/// </summary>
public static class ApiTokenFormat
{
    public const string Start = "khp_";

    public sealed record Minted(string Token, string Prefix, string Hash);

    public static Minted Mint(Guid organizationId)
    {
        var secret = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var token = $"{Start}{organizationId:N}_{secret}";
        return new Minted(token, DisplayPrefix(secret), Hash(token));
    }

    /// <summary>Splits a presented token; false for anything not shaped like one (no database work for junk).</summary>
    public static bool TryParse(string token, out Guid organizationId, out string prefix)
    {
        organizationId = Guid.Empty;
        prefix = "";
        if (token.Length != Start.Length + 32 + 1 + 43 || !token.StartsWith(Start, StringComparison.Ordinal) || token[Start.Length + 32] != '_'
            || !Guid.TryParseExact(token.AsSpan(Start.Length, 32), "N", out organizationId))
        {
            return false;
        }

        var secret = token[(Start.Length + 33)..];
        if (!secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return false;
        }

        prefix = DisplayPrefix(secret);
        return true;
    }

    /// <summary>Shown in lists to recognise a token; 8 of its 43 secret characters are not enough to use it.</summary>
    private static string DisplayPrefix(string secret) => Start + secret[..8];

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool HashesEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}

public static class ApiTokenClaims
{
    public const string TokenId = "khp:api_token_id";
    public const string TokenName = "khp:api_token_name";

    public static bool IsToken(ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == TokenId);
}

/// <summary>
/// <c>Authorization: Bearer khp_...</c>. Sets the scope's tenant from the token (never from ambient state), rejects
/// expired and revoked tokens and tokens whose creator left the organization, acts with min(token role, creator's
/// current role), and records the last use at most once a minute.
/// </summary>
internal sealed partial class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IDbContextFactory<PortalDbContext> pool, TenantContext tenant, CurrentOrganization current, TimeProvider clock, AuditTrail audit)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = header["Bearer ".Length..].Trim();
        if (!ApiTokenFormat.TryParse(presented, out var orgId, out var prefix))
        {
            return AuthenticateResult.Fail("Malformed API token.");
        }

        var hash = ApiTokenFormat.Hash(presented);
        var now = clock.GetUtcNow();
        var cancellationToken = Context.RequestAborted;
        await using var db = pool.CreateDbContext();
        db.CurrentTenantId = orgId; // the token names its tenant; RLS confines the lookup to it
        // One query: the token, its organization, and its creator's role *now* (null when no longer a member).
        var candidates = await (from t in db.ApiTokens
                                join o in db.Organizations on t.TenantId equals o.Id
                                where t.TenantId == orgId && t.Prefix == prefix
                                select new
                                {
                                    Token = t,
                                    o.Name,
                                    o.Slug,
                                    CreatorRole = db.Memberships.Where(m => m.UserId == t.CreatedByUserId).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
                                }).ToListAsync(cancellationToken);
        var match = candidates.FirstOrDefault(c => ApiTokenFormat.HashesEqual(c.Token.TokenHash, hash));
        var token = match?.Token;
        if (match is null || token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            LogRejected(Logger, orgId);
            return AuthenticateResult.Fail("Invalid, expired or revoked API token.");
        }

        if (match.CreatorRole is not { } creatorRole)
        {
            // A token never outlives its creator's membership: revoke it for good (a later re-invitation must not revive
            // it) and record why, once.
            token.RevokedAt = now;
            audit.Add(db, "token.revoked", "api_token", token.Id.ToString(), $"{token.Name}: its creator is no longer a member", "system");
            await db.SaveChangesAsync(cancellationToken);
            LogCreatorGone(Logger, token.Id, orgId);
            return AuthenticateResult.Fail("Invalid, expired or revoked API token.");
        }

        // Never above the creator's current role: a demoted creator's token is demoted with them.
        var role = token.Role < creatorRole ? token.Role : creatorRole;
        var org = new OrganizationSummary(orgId, match.Name, match.Slug, role);

        if (token.LastUsedAt is null || now - token.LastUsedAt.Value >= LastUsedResolution)
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        tenant.Set(orgId, null);
        current.Set(OrganizationStatus.Active, null, org, false, false, [org]);

        var identity = new ClaimsIdentity(
        [
            new Claim(ApiTokenClaims.TokenId, token.Id.ToString()),
            new Claim(ApiTokenClaims.TokenName, token.Name),
            new Claim(PortalClaims.DisplayName, "API token " + token.Name),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    [LoggerMessage(LogLevel.Information, "API token rejected (organization {OrganizationId})")]
    private static partial void LogRejected(ILogger logger, Guid organizationId);

    [LoggerMessage(LogLevel.Warning, "API token {TokenId} revoked: its creator is no longer a member of organization {OrganizationId}")]
    private static partial void LogCreatorGone(ILogger logger, Guid tokenId, Guid organizationId);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
