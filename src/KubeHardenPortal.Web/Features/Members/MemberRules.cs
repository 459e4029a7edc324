using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

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

    public static Task<int> OwnerCountAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.Memberships.CountAsync(m => m.Role == OrgRole.Owner, cancellationToken);

    public static async Task<string> NameOfAsync(PortalDbContext db, Guid userId, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName == "" ? u.Email : u.DisplayName)
            .FirstOrDefaultAsync(cancellationToken) ?? userId.ToString();
}
