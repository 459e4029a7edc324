using KubeHardenPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace KubeHardenPortal.Migrations;

/// <summary>
/// Used by `dotnet ef` and by the runner. `migrations add` needs no database; commands that connect read
/// ConnectionStrings__Owner.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) =>
        Create(Environment.GetEnvironmentVariable("ConnectionStrings__Owner") ?? "Host=localhost;Database=khp_design;Username=postgres");

    public static PortalDbContext Create(string connectionString) =>
        new(PortalDataRegistration.ConfigureNpgsql(new DbContextOptionsBuilder<PortalDbContext>(), connectionString).Options);
}
