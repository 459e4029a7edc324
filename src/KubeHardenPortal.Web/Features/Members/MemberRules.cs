using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Web.Features.Members;

/// <summary>Who may manage whom (PRODUCT.md §5): Owners and Admins manage members; only Owners manage Owners.</summary>
public static class MemberRules
{
    public static bool CanManage(CurrentOrganization current) => current.Has(OrgRole.Admin);

    /// <summary>True when the actor may move a member from <paramref name="from"/> to <paramref name="to"/> (or remove them).</summary>
    public static bool MayTouch(CurrentOrganization current, OrgRole from, OrgRole? to = null) =>
        CanManage(current) && (current.Has(OrgRole.Owner) || (from != OrgRole.Owner && to != OrgRole.Owner));

    public static readonly Error NotFound = new("not_found", "That person is not a member of this organization.");

    public static readonly Error LastOwner = new("conflict", "An organization needs at least one Owner. Make someone else Owner first.");

    public static readonly Error ConcurrentChange = new("conflict", "Someone changed the members at the same time. Reload and try again.");

    /// <summary>
    /// Member changes run in SERIALIZABLE transactions so two concurrent changes can never leave the organization without
    /// an Owner; PostgreSQL then aborts one of them, which is an expected outcome, not an outage.
    /// </summary>
    /// <summary>Runs one member change; a transaction PostgreSQL aborted for a concurrent change becomes <see cref="ConcurrentChange"/>.</summary>
    public static async Task<Result<T>> GuardConcurrentAsync<T>(Func<Task<Result<T>>> change)
    {
        try
        {
            return await change();
        }
        catch (Exception ex) when (IsConcurrentChange(ex))
        {
            return ConcurrentChange;
        }
    }

    public static bool IsConcurrentChange(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected })
            {
                return true;
            }
        }

        return false;
    }

    public static Task<int> OwnerCountAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.Memberships.CountAsync(m => m.Role == OrgRole.Owner, cancellationToken);

    public static async Task<string> NameOfAsync(PortalDbContext db, Guid userId, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName == "" ? u.Email : u.DisplayName)
            .FirstOrDefaultAsync(cancellationToken) ?? userId.ToString();
}
