using System.ComponentModel.DataAnnotations;
using KubeHardenPortal.Data.ApiTokens;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.ApiTokens;

public sealed record CreateApiTokenRequest(
    [property: Required, StringLength(100, MinimumLength = 1)] string Name,
    OrgRole Role,
    [property: Range(1, 365)] int ExpiresInDays);

/// <summary>The only response that ever contains the token itself.</summary>
public sealed record CreatedApiToken(Guid Id, string Name, string Prefix, OrgRole Role, DateTimeOffset ExpiresAt, string Token);

public sealed record ApiTokenRow(Guid Id, string Name, string Prefix, OrgRole Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Owners and Admins manage the organization's API tokens, signed in (a token cannot mint or revoke tokens). A token's
/// role is at most the creator's role.
/// </summary>
public sealed class ApiTokensHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock)
{
    public static bool CanManage(CurrentOrganization current) => current.Has(OrgRole.Admin) && current.UserId is not null;

    public async Task<Result<IReadOnlyList<ApiTokenRow>>> ListAsync(CancellationToken cancellationToken)
    {
        if (!CanManage(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var rows = await db.ApiTokens.AsNoTracking().OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenRow(t.Id, t.Name, t.Prefix, t.Role, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt))
            .ToListAsync(cancellationToken);
        return rows;
    }

    public async Task<Result<CreatedApiToken>> CreateAsync(CreateApiTokenRequest request, CancellationToken cancellationToken)
    {
        if (!CanManage(current))
        {
            return Errors.Forbidden;
        }

        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 100)
        {
            return new Error("invalid", "Give the token a name of at most 100 characters.");
        }

        if (!Enum.IsDefined(request.Role) || request.Role > current.Role)
        {
            return new Error("forbidden", "A token's role cannot exceed your own role.");
        }

        if (request.ExpiresInDays is < 1 or > 365)
        {
            return new Error("invalid", "A token expires after 1 to 365 days.");
        }

        var orgId = current.Organization!.Id;
        var minted = ApiTokenFormat.Mint(orgId);
        var now = clock.GetUtcNow();
        var token = new ApiToken
        {
            Id = Guid.NewGuid(), TenantId = orgId, Name = name, Prefix = minted.Prefix, TokenHash = minted.Hash, Role = request.Role,
            CreatedByUserId = current.UserId!.Value, CreatedAt = now, ExpiresAt = now.AddDays(request.ExpiresInDays),
        };
        await using var db = dbs.Create();
        db.ApiTokens.Add(token);
        audit.Add(db, "token.created", "api_token", token.Id.ToString(), $"{name} ({request.Role}, expires {token.ExpiresAt:yyyy-MM-dd})");
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(token.Id, name, token.Prefix, token.Role, token.ExpiresAt, minted.Token);
    }

    /// <summary>Revokes a token of the active organization; revoking twice is not an error. 404 for other tenants' tokens.</summary>
    public async Task<Result<bool>> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!CanManage(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null)
        {
            return new Error("not_found", "No such token in this organization.");
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = clock.GetUtcNow();
            audit.Add(db, "token.revoked", "api_token", token.Id.ToString(), token.Name);
            await db.SaveChangesAsync(cancellationToken);
        }

        return true;
    }
}

internal static class ApiTokensFeature
{
    public static IServiceCollection AddApiTokens(this IServiceCollection services) => services.AddScoped<ApiTokensHandler>();

    /// <summary>/api/v1/api-tokens: list, create (the token is in this response only), revoke.</summary>
    public static RouteGroupBuilder MapApiTokenEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("API tokens").RequireOrgRole(OrgRole.Admin);
        group.MapGet("/", async (ApiTokensHandler handler, CancellationToken cancellationToken) =>
            (await handler.ListAsync(cancellationToken)).ToHttpResult());
        group.MapPost("/", async (CreateApiTokenRequest request, ApiTokensHandler handler, CancellationToken cancellationToken) =>
        {
            var result = await handler.CreateAsync(request, cancellationToken);
            return result.Succeeded ? TypedResults.Created((string?)null, result.Value) : result.ToHttpResult();
        });
        group.MapDelete("/{id:guid}", async (Guid id, ApiTokensHandler handler, CancellationToken cancellationToken) =>
        {
            var result = await handler.RevokeAsync(id, cancellationToken);
            return result.Succeeded ? TypedResults.NoContent() : result.ToHttpResult();
        });
        return group;
    }
}
