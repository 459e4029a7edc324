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
/// Add a migration with (migrations/README.md):
/// <c>dotnet tool restore &amp;&amp; dotnet ef migrations add NAME --project migrations/KubeHardenPortal.Migrations --startup-project migrations/KubeHardenPortal.Migrations</c>
/// and enable RLS for every new tenant table in the same migration (<c>migrationBuilder.EnableTenantRowLevelSecurity</c>).
/// </remarks>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public const string TenantFilter = "Tenant";

    /// <summary>The tenant of this context instance; EF parameterises it per instance in the query filter.</summary>
    public Guid? CurrentTenantId { get; set; }

    /// <summary>The signed-in user; row-level security lets a user read their own memberships in every tenant.</summary>
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

        // Identity sets its table names explicitly ("AspNetUsers"), which the snake_case convention leaves alone.
        // These tables are global, not tenant-owned: sign-in happens before a tenant is known.
        builder.Entity<PortalUser>().ToTable("users");
        builder.Entity<IdentityRole<Guid>>().ToTable("roles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");
        builder.Entity<PortalUser>().Property(u => u.DisplayName).HasMaxLength(100);

        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (typeof(ITenantOwned).IsAssignableFrom(entity.ClrType))
            {
                builder.Entity(entity.ClrType).HasQueryFilter(TenantFilter, TenantPredicate(entity.ClrType));
            }
        }
    }

    // A pooled instance must never carry the previous lease's tenant: clear it when the lease ends.
    public override void Dispose()
    {
        CurrentTenantId = null;
        CurrentUserId = null;
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        CurrentTenantId = null;
        CurrentUserId = null;
        return base.DisposeAsync();
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
