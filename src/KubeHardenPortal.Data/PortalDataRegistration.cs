using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Data;

public static class PortalDataRegistration
{
    /// <summary>
    /// Registers the pooled context factory (application role connection, tenant guard and RLS interceptors), the
    /// scoped <see cref="TenantContext"/> and <see cref="TenantDbContextFactory"/>, and a scoped PortalDbContext for
    /// ASP.NET Core Identity's stores (user tables are not tenant-owned).
    /// </summary>
    public static IServiceCollection AddPortalData(this IServiceCollection services, string appConnectionString)
    {
        services.AddPooledDbContextFactory<PortalDbContext>(o => Configure(o, appConnectionString));
        services.AddScoped<TenantContext>();
        services.AddScoped<TenantDbContextFactory>();
        services.AddScoped(sp => sp.GetRequiredService<TenantDbContextFactory>().Create());
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, o => o.MigrationsAssembly("KubeHardenPortal.Migrations"))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(new TenantSaveChangesGuard(), new TenantRlsConnectionInterceptor());
}
