using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Data;

/// <summary>
/// One Data Protection key ring for every host (Web replicas and Workers): keys in the data_protection_keys table,
/// one application name. A payload protected by one host unprotects in another only when both use this registration.
/// </summary>
public static class PortalDataProtection
{
    public const string ApplicationName = "KubeHardenPortal";

    public static IDataProtectionBuilder AddPortalDataProtection(this IServiceCollection services) =>
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<PortalDbContext>();
}
