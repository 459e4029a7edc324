namespace KubeHardenPortal.Data.Organizations;

/// <summary>Organization roles (PRODUCT.md §5). Stored as text so reordering never changes meaning.</summary>
public enum OrgRole
{
    Member,
    Auditor,
    Admin,
    Owner,
}
