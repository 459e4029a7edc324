using KubeHardenPortal.Data.Organizations;

namespace KubeHardenPortal.Web.Security;

public enum OrganizationStatus
{
    /// <summary>Not resolved yet, or no signed-in user.</summary>
    Unresolved,

    /// <summary>Signed in, but no valid organization is selected (none chosen, or membership gone): fail closed.</summary>
    NoOrganization,

    /// <summary>The organization requires MFA for Owners and Admins, and this Owner/Admin has not enrolled.</summary>
    MfaRequired,

    Active,
}

public sealed record OrganizationSummary(Guid Id, string Name, string Slug, OrgRole Role);

/// <summary>
/// Who is acting, and in which organization, for the current scope (a request or a circuit). Filled only by
/// <see cref="OrganizationAccessResolver"/>; <see cref="Data.Tenancy.TenantContext"/> is set in the same step.
/// </summary>
public sealed class CurrentOrganization
{
    public OrganizationStatus Status { get; private set; }

    public Guid? UserId { get; private set; }

    /// <summary>The selected organization (also set when MFA is missing, so the UI can say which one).</summary>
    public OrganizationSummary? Organization { get; private set; }

    public bool RequireMfaForAdmins { get; private set; }

    public bool UserHasMfa { get; private set; }

    public IReadOnlyList<OrganizationSummary> Memberships { get; private set; } = [];

    public bool IsActive => Status == OrganizationStatus.Active;

    public OrgRole? Role => IsActive ? Organization?.Role : null;

    /// <summary>True when the user acts in an organization with at least this role.</summary>
    public bool Has(OrgRole minimum) => IsActive && Organization!.Role >= minimum;

    internal void Set(OrganizationStatus status, Guid? userId, OrganizationSummary? organization, bool requireMfa, bool userHasMfa,
        IReadOnlyList<OrganizationSummary> memberships)
    {
        Status = status;
        UserId = userId;
        Organization = organization;
        RequireMfaForAdmins = requireMfa;
        UserHasMfa = userHasMfa;
        Memberships = memberships;
    }
}
