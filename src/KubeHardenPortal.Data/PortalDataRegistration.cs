using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Data;

public static class PortalDataRegistration
{
    public const string MigrationsAssembly = "KubeHardenPortal.Migrations";

    // Stateless, so one instance each: a new instance per options builder would also make EF build a new
    // internal service provider every time.
    private static readonly TenantSaveChangesGuard Guard = new();
    private static readonly TenantRlsConnectionInterceptor Rls = new();

    /// <summary>
    /// Registers the pooled context factory (application role connection, tenant guard and RLS interceptors), the
    /// scoped <see cref="TenantContext"/> and <see cref="TenantDbContextFactory"/>, and a scoped PortalDbContext for
    /// ASP.NET Core Identity's stores (user tables are not tenant-owned).
    /// </summary>
    /// <param name="appConnectionString">A connection as khp_app: no BYPASSRLS, DML only. Never the owner.</param>
    public static IServiceCollection AddPortalData(this IServiceCollection services, string appConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appConnectionString);
        services.AddPooledDbContextFactory<PortalDbContext>(o => Configure(o, appConnectionString));
        services.AddScoped<TenantContext>();
        services.AddScoped<TenantDbContextFactory>();
        services.AddScoped(sp => sp.GetRequiredService<TenantDbContextFactory>().Create());
        return services;
    }

    /// <summary>The application's configuration: Npgsql, snake_case names, the tenant guard and RLS interceptors.</summary>
    public static TBuilder Configure<TBuilder>(TBuilder options, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        ConfigureNpgsql(options, connectionString).AddInterceptors(Guard, Rls);
        return options;
    }

    /// <summary>Npgsql and naming only (the migrator and design-time tools, which connect as the owner).</summary>
    public static TBuilder ConfigureNpgsql<TBuilder>(TBuilder options, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        options.UseNpgsql(connectionString, o => o.MigrationsAssembly(MigrationsAssembly)).UseSnakeCaseNamingConvention();
        return options;
    }
}
