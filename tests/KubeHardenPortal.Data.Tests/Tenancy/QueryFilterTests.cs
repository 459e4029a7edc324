using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>Layer 1: the named EF query filter "Tenant" (STYLE.md §2.7).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class QueryFilterTests(DatabaseFixture f)
{
    [Fact]
    public void EveryTenantOwnedEntity_HasTheNamedTenantFilter()
    {
        using var db = f.Db.AppContext(null);
        var tenantTypes = db.Model.GetEntityTypes().Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)).ToList();
        Assert.True(tenantTypes.Count >= 6, $"found {tenantTypes.Count} tenant-owned entities");
        foreach (var type in tenantTypes)
        {
            Assert.Contains(type.GetDeclaredQueryFilters(), q => q.Key == PortalDbContext.TenantFilter);
        }
    }

    [Fact]
    public async Task TenantB_SeesNoneOfTenantAsTeams()
    {
        await using var db = f.Db.AppContext(f.TenantB, f.UserB);
        var names = await db.Teams.Select(t => t.Name).ToListAsync();
        Assert.Equal(["beta-team"], names);
    }

    [Fact]
    public async Task NoTenant_SeesNothing()
    {
        await using var db = f.Db.AppContext(null, f.UserA);
        Assert.Empty(await db.Teams.ToListAsync());
        Assert.Empty(await db.Memberships.ToListAsync());
    }

    [Fact]
    public async Task Memberships_ListOnlyTheCurrentTenantsMembers_EvenForAUserInBothTenants()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserC);
        var rows = await db.Memberships.ToListAsync();
        Assert.All(rows, m => Assert.Equal(f.TenantA, m.TenantId));
        Assert.Equal(2, rows.Count); // UserA (owner) and UserC (member)
    }

    [Fact]
    public async Task MembershipsOfCurrentUser_CrossesTenants_ForThatUserOnly()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserC);
        var rows = await db.MembershipsOfCurrentUser().ToListAsync();
        Assert.Equal(new[] { f.TenantA, f.TenantB }.Order(), rows.Select(m => m.TenantId).Order());
        Assert.All(rows, m => Assert.Equal(f.UserC, m.UserId));
    }

    [Fact]
    public async Task MembershipsOfCurrentUser_NoUser_IsEmpty()
    {
        await using var db = f.Db.AppContext(f.TenantA);
        Assert.Empty(await db.MembershipsOfCurrentUser().ToListAsync());
    }

    [Fact]
    public async Task TheSameContextType_FiltersByEachInstancesTenant()
    {
        // The filter reads CurrentTenantId per instance (parameterised), not the first instance's value cached in the model.
        await using var a = f.Db.AppContext(f.TenantA, f.UserA);
        await using var b = f.Db.AppContext(f.TenantB, f.UserB);
        var ofA = await a.Teams.ToListAsync();
        var ofB = await b.Teams.ToListAsync();
        Assert.Contains(ofA, t => t.Name == "alpha-team");
        Assert.All(ofA, t => Assert.Equal(f.TenantA, t.TenantId));
        Assert.Contains(ofB, t => t.Name == "beta-team");
        Assert.All(ofB, t => Assert.Equal(f.TenantB, t.TenantId));
    }

    [Fact]
    public async Task ExecuteUpdate_WithTheFilter_TouchesOnlyTheOwnTenant()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var changed = await db.Teams.ExecuteUpdateAsync(s => s.SetProperty(t => t.CreatedAt, DateTimeOffset.UnixEpoch));
        Assert.Equal(await db.Teams.CountAsync(), changed);
        await using var owner = f.Db.OwnerContext();
        Assert.Equal(["beta-team"], await owner.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter])
            .Where(t => t.TenantId == f.TenantB).Select(t => t.Name).ToListAsync());
    }
}
