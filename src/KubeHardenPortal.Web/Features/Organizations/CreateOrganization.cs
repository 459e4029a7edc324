using System.Text;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Web.Features.Organizations;

public sealed record CreateOrganizationCommand(string Name);

public sealed record CreatedOrganization(Guid Id, string Name, string Slug);

/// <summary>Creates an organization; the creator becomes its Owner and switches to it.</summary>
public sealed class CreateOrganizationHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock)
{
    public async Task<Result<CreatedOrganization>> HandleAsync(CreateOrganizationCommand command, CancellationToken cancellationToken)
    {
        if (current.UserId is not { } userId)
        {
            return new Error("forbidden", "Sign in first.");
        }

        if (OrganizationName.Validate(command.Name) is { } invalid)
        {
            return invalid;
        }

        var name = command.Name.Trim();
        for (var attempt = 0; ; attempt++)
        {
            var id = Guid.CreateVersion7(clock.GetUtcNow());
            var slug = OrganizationName.Slug(name) + (attempt == 0 ? "" : "-" + id.ToString("N")[^6..]);
            await using var db = dbs.CreateFor(id);
            db.CurrentUserId = userId;
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Organizations.Add(new Organization { Id = id, Name = name, Slug = slug, CreatedAt = clock.GetUtcNow() });
            db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(clock.GetUtcNow()), UserId = userId, Role = OrgRole.Owner, JoinedAt = clock.GetUtcNow() });
            audit.Add(db, "organization.created", "organization", id.ToString(), $"Created \"{name}\" ({slug})", await ActorNameAsync(db, userId, cancellationToken));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await db.Users.Where(u => u.Id == userId)
                    .ExecuteUpdateAsync(s => s.SetProperty(u => u.SelectedOrganizationId, id), cancellationToken);
                await tx.CommitAsync(cancellationToken);
                return new CreatedOrganization(id, name, slug);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 3)
            {
                // Slug taken (possibly by an organization we cannot see): retry with a suffix.
            }
        }
    }

    internal static async Task<string?> ActorNameAsync(Data.PortalDbContext db, Guid userId, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName == "" ? u.Email : u.DisplayName).FirstOrDefaultAsync(cancellationToken);
}

public static class OrganizationName
{
    public const int MaxLength = 100;

    public static Error? Validate(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length < 2)
        {
            return new Error("invalid", "Enter a name of at least 2 characters.");
        }

        return trimmed.Length > MaxLength ? new Error("invalid", $"Use at most {MaxLength} characters.") : null;
    }

    /// <summary>URL-safe handle: lower-case ASCII letters, digits and single dashes.</summary>
    public static string Slug(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-' && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                sb.Append('-');
            }
        }

        var slug = sb.ToString().Trim('-');
        slug = slug.Length > 50 ? slug[..50].TrimEnd('-') : slug;
        return slug.Length == 0 ? "org" : slug;
    }
}
