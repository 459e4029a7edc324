using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>The DI wiring hosts use (AddPortalData): a scoped tenant, one pooled context per operation, no leaks.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class PooledContextTests(DatabaseFixture f) : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddPortalData(f.Db.AppConnectionString).BuildServiceProvider();

    [Fact]
    public async Task TenantDbContextFactory_BindsTheScopesTenant()
    {
        await using var scope = _services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(f.TenantA, f.UserA);
        await using var db = scope.ServiceProvider.GetRequiredService<TenantDbContextFactory>().Create();
        var teams = await db.Teams.ToListAsync();
        Assert.Contains(teams, t => t.Name == "alpha-team");
        Assert.All(teams, t => Assert.Equal(f.TenantA, t.TenantId));
    }

    [Fact]
    public async Task APooledContext_ForgetsThePreviousTenant_WhenReturnedToThePool()
    {
        await using (var scope = _services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(f.TenantA, f.UserA);
            await using var db = scope.ServiceProvider.GetRequiredService<TenantDbContextFactory>().Create();
            Assert.NotEmpty(await db.Teams.ToListAsync());
        }

        // Raw pool access (a mistake, but it must fail closed): no tenant, nothing visible.
        var pool = _services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        for (var i = 0; i < 4; i++)
        {
            await using var reused = await pool.CreateDbContextAsync();
            Assert.Null(reused.CurrentTenantId);
            Assert.Empty(await reused.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync());
        }
    }

    [Fact]
    public void TenantContext_TreatsGuidEmptyAsNoTenant()
    {
        var t = new TenantContext();
        t.Set(Guid.Empty, Guid.Empty);
        Assert.Null(t.TenantId);
        Assert.Null(t.UserId);
    }

    public void Dispose() => _services.Dispose();
}
