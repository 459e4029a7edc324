using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Worker.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Worker.Tests.Tenancy;

/// <summary>The worker's tenant comes from the job argument, through JobTenantScope, and nowhere else.</summary>
[Collection(WorkerCollection.Name)]
public sealed class JobTenantScopeTests(WorkerFixture f)
{
    private IServiceScopeFactory Scopes => f.Host.Services.GetRequiredService<IServiceScopeFactory>();

    [Fact]
    public async Task EachScope_SeesOnlyItsOwnTenant_EvenWhenOpenAtTheSameTime()
    {
        await using var a = JobTenantScope.Begin(Scopes, f.T.TenantA);
        await using var b = JobTenantScope.Begin(Scopes, f.T.TenantB);
        await using var dbA = a.CreateDbContext();
        await using var dbB = b.CreateDbContext();
        var teamsA = await dbA.Teams.ToListAsync();
        var teamsB = await dbB.Teams.ToListAsync();
        Assert.Contains(teamsA, t => t.Id == f.T.TeamA);
        Assert.All(teamsA, t => Assert.Equal(f.T.TenantA, t.TenantId));
        Assert.Contains(teamsB, t => t.Id == f.T.TeamB);
        Assert.All(teamsB, t => Assert.Equal(f.T.TenantB, t.TenantId));
    }

    [Fact]
    public async Task AScope_ConnectsAsTheApplicationRole_SoRowLevelSecurityApplies()
    {
        await using var scope = JobTenantScope.Begin(Scopes, f.T.TenantA);
        await using var db = scope.CreateDbContext();
        var user = await db.Database.SqlQueryRaw<string>("SELECT current_user::text AS \"Value\"").SingleAsync();
        Assert.Equal("khp_app", user);
        var foreign = await db.Teams.IgnoreQueryFilters(["Tenant"]).CountAsync(t => t.TenantId == f.T.TenantB);
        Assert.Equal(0, foreign);
    }

    [Fact]
    public async Task AScope_WritesOnlyIntoItsTenant()
    {
        await using var scope = JobTenantScope.Begin(Scopes, f.T.TenantB);
        await using var db = scope.CreateDbContext();
        db.Teams.Add(new Team { TenantId = f.T.TenantA, Name = "from-a-job" });
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public void Begin_WithoutATenant_IsRefused() =>
        Assert.Throws<ArgumentException>(() => JobTenantScope.Begin(Scopes, Guid.Empty));

    [Fact]
    public async Task TheRootProvider_HasNoTenant()
    {
        // Nothing ambient: a scope not opened through JobTenantScope has no tenant and sees nothing.
        await using var plain = Scopes.CreateAsyncScope();
        Assert.Null(plain.ServiceProvider.GetRequiredService<TenantContext>().TenantId);
        await using var db = plain.ServiceProvider.GetRequiredService<TenantDbContextFactory>().Create();
        Assert.Empty(await db.Teams.ToListAsync());
    }
}
