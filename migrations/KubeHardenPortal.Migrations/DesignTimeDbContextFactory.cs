using KubeHardenPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace KubeHardenPortal.Migrations;

/// <summary>Used by `dotnet ef` and by the runner. Design time needs ConnectionStrings__Owner (any reachable database).</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) =>
        Create(Environment.GetEnvironmentVariable("ConnectionStrings__Owner") ?? "Host=localhost;Database=khp_design;Username=postgres");

    public static PortalDbContext Create(string connectionString)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(connectionString, o => o.MigrationsAssembly(typeof(DesignTimeDbContextFactory).Assembly.GetName().Name))
            .UseSnakeCaseNamingConvention()
            .Options;
        return new PortalDbContext(options);
    }
}
