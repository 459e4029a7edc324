using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Teams;

/// <summary>
/// Who may change teams (PRODUCT.md §5): Owners and Admins create, rename and delete teams and manage every team's
/// members; a team's Maintainers manage that team's members.
/// </summary>
public static class TeamRules
{
    public const int MaxNameLength = 80;

    public static readonly Error TeamNotFound = new("not_found", "That team does not exist.");

    public static bool CanManageTeams(CurrentOrganization current) => current.Has(OrgRole.Admin);

    public static bool CanManageMembers(CurrentOrganization current, TeamRole? myRole) =>
        current.Has(OrgRole.Admin) || (current.IsActive && myRole == TeamRole.Maintainer);

    public static async Task<bool> CanManageMembersAsync(PortalDbContext db, CurrentOrganization current, Guid teamId,
        CancellationToken cancellationToken)
    {
        if (current.Has(OrgRole.Admin))
        {
            return true;
        }

        var me = current.UserId;
        return current.IsActive && await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == me && m.Role == TeamRole.Maintainer,
            cancellationToken);
    }

    public static Error? ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        return trimmed.Length is < 2 or > MaxNameLength ? new Error("invalid", $"Use 2 to {MaxNameLength} characters for the team name.") : null;
    }
}
