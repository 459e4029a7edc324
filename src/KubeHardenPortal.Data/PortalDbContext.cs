using System.Linq.Expressions;
using KubeHardenPortal.Data.ApiTokens;
using KubeHardenPortal.Data.Audit;
using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Invitations;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Data;

/// <summary>
/// The portal's database. Tenant rows (<see cref="ITenantOwned"/>) get the named query filter "Tenant";
/// writes pass <see cref="TenantSaveChangesGuard"/>; PostgreSQL row-level security is the last net
/// (<see cref="TenantRlsConnectionInterceptor"/>).
/// </summary>
/// <remarks>
/// Add a migration with:
/// <c>dotnet ef migrations add NAME --project migrations/KubeHardenPortal.Migrations --startup-project migrations/KubeHardenPortal.Migrations</c>
/// and enable RLS for every new tenant table in the same migration (<c>migrationBuilder.EnableTenantRowLevelSecurity</c>).
/// </remarks>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public const string TenantFilter = "Tenant";

    /// <summary>The tenant of this context instance; EF parameterises it per instance in the query filter.</summary>
    public Guid? CurrentTenantId { get; set; }

    public Guid? CurrentUserId { get; set; }

    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (typeof(ITenantOwned).IsAssignableFrom(entity.ClrType))
            {
                builder.Entity(entity.ClrType).HasQueryFilter(TenantFilter, TenantPredicate(entity.ClrType));
            }
        }
    }

    // e => e.TenantId == this.CurrentTenantId — a null tenant matches nothing (fail closed).
    private LambdaExpression TenantPredicate(Type type)
    {
        var e = Expression.Parameter(type, "e");
        var tenant = Expression.Convert(Expression.Property(e, nameof(ITenantOwned.TenantId)), typeof(Guid?));
        var current = Expression.Property(Expression.Constant(this), nameof(CurrentTenantId));
        return Expression.Lambda(Expression.Equal(tenant, current), e);
    }
}
