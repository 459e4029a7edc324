namespace KubeHardenPortal.Data.Tenancy;

/// <summary>
/// A row that belongs to one organization (tenant). Every such table gets the "Tenant" query filter, the save
/// guard and PostgreSQL row-level security (Tenancy/README.md).
/// </summary>
public interface ITenantOwned
{
    Guid TenantId { get; set; }
}
