using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>Layer 2: the SaveChanges guard refuses cross-tenant writes before any SQL is sent.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SaveGuardTests(DatabaseFixture f)
{
    [Fact]
    public async Task AddWithoutTenant_Throws()
    {
        await using var db = f.Db.AppContext(null);
        db.Teams.Add(new Team { Name = "x" });
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public void AddWithoutTenant_Throws_Synchronously()
    {
        using var db = f.Db.AppContext(null);
        db.Teams.Add(new Team { Name = "x" });
        Assert.Throws<TenantMismatchException>(() => db.SaveChanges());
    }

    [Fact]
    public async Task AddForOtherTenant_Throws()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        db.Teams.Add(new Team { TenantId = f.TenantB, Name = "smuggled" });
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task AddStampsTheCurrentTenant()
    {
        var name = "stamped-" + Guid.NewGuid().ToString("N")[..6];
        await using (var db = f.Db.AppContext(f.TenantA, f.UserA))
        {
            db.Teams.Add(new Team { Name = name });
            await db.SaveChangesAsync();
        }

        await using var owner = f.Db.OwnerContext();
        var stored = await owner.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).SingleAsync(t => t.Name == name);
        Assert.Equal(f.TenantA, stored.TenantId);
    }

    [Fact]
    public async Task ModifyRowOfOtherTenant_Throws()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var foreign = new Team { Id = f.T.TeamB, TenantId = f.TenantB, Name = "beta-team" };
        db.Teams.Attach(foreign);
        foreign.Name = "renamed";
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task DeleteRowOfOtherTenant_Throws()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        db.Teams.Remove(new Team { Id = f.T.TeamB, TenantId = f.TenantB, Name = "beta-team" });
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task MovingAnOwnRowToAnotherTenant_Throws()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var membership = await db.Memberships.FirstAsync(m => m.UserId == f.UserC);
        membership.TenantId = f.TenantB;
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task ModifyingAnOrganizationOtherThanTheCurrentTenant_Throws()
    {
        // UserC may read Beta (a membership), yet writes are for the current tenant only.
        await using var db = f.Db.AppContext(f.TenantA, f.UserC);
        var beta = await db.Organizations.SingleAsync(o => o.Id == f.TenantB);
        beta.Name = "Renamed";
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task CreatingAnOrganization_AsThatNewTenant_Succeeds_AndAsAnotherThrows()
    {
        var id = Guid.NewGuid();
        await using (var other = f.Db.AppContext(f.TenantA, f.UserA))
        {
            other.Organizations.Add(new Organization { Id = id, Name = "Gamma", Slug = "gamma-" + id.ToString("N")[..8] });
            await Assert.ThrowsAsync<TenantMismatchException>(() => other.SaveChangesAsync());
        }

        await using (var db = f.Db.AppContext(id, f.UserA))
        {
            db.Organizations.Add(new Organization { Id = id, Name = "Gamma", Slug = "gamma-" + id.ToString("N")[..8] });
            db.Memberships.Add(new Membership { Id = Guid.NewGuid(), UserId = f.UserA, Role = OrgRole.Owner });
            await db.SaveChangesAsync();
        }

        await using var check = f.Db.AppContext(f.TenantA, f.UserA);
        Assert.Contains(await check.MembershipsOfCurrentUser().ToListAsync(), m => m.TenantId == id);
        Assert.True(await check.Organizations.AnyAsync(o => o.Id == id)); // readable through the membership
    }

    [Fact]
    public async Task UnchangedForeignRows_DoNotTripTheGuard()
    {
        // Reading is not writing: a tracked cross-tenant membership of the signed-in user must not fail a save.
        await using var db = f.Db.AppContext(f.TenantA, f.UserC);
        _ = await db.MembershipsOfCurrentUser().ToListAsync();
        db.AuditEvents.Add(new Audit.AuditEvent { Action = "test.guard", At = DateTimeOffset.UnixEpoch });
        Assert.Equal(1, await db.SaveChangesAsync());
    }
}
