using Microsoft.AspNetCore.Identity;

namespace KubeHardenPortal.Data.Identity;

/// <summary>A person who signs in. Users are global; what they may see comes from memberships per organization.</summary>
public sealed class PortalUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The organization the user last switched to; checked against membership on every use.</summary>
    public Guid? SelectedOrganizationId { get; set; }
}
