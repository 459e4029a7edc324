using KubeHardenPortal.Data.ApiTokens;
using KubeHardenPortal.Data.Audit;
using KubeHardenPortal.Data.Invitations;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KubeHardenPortal.Data;

// One configuration per entity; every tenant table has an index that leads with tenant_id (schema test).

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> b)
    {
        b.Property(o => o.Name).HasMaxLength(100);
        b.Property(o => o.Slug).HasMaxLength(60);
        b.HasIndex(o => o.Slug).IsUnique();
    }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> b)
    {
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(m => new { m.TenantId, m.UserId }).IsUnique();
        b.HasIndex(m => m.UserId);
        b.HasOne<Organization>().WithMany().HasForeignKey(m => m.TenantId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Identity.PortalUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> b)
    {
        b.Property(i => i.Email).HasMaxLength(256);
        b.Property(i => i.Role).HasConversion<string>().HasMaxLength(20);
        b.Property(i => i.TokenHash).HasMaxLength(64);
        b.HasIndex(i => new { i.TenantId, i.TokenHash }).IsUnique();
        b.HasOne<Organization>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.HasIndex(t => new { t.TenantId, t.Name }).IsUnique();
        // Target of tenant-qualified foreign keys: a child row can only point at a team of its own tenant
        // (foreign-key checks are not subject to row-level security).
        b.HasAlternateKey(t => new { t.TenantId, t.Id });
        b.HasOne<Organization>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TeamMemberConfiguration : IEntityTypeConfiguration<TeamMember>
{
    public void Configure(EntityTypeBuilder<TeamMember> b)
    {
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(m => new { m.TenantId, m.TeamId, m.UserId }).IsUnique();
        b.HasOne<Team>().WithMany().HasForeignKey(m => new { m.TenantId, m.TeamId })
            .HasPrincipalKey(t => new { t.TenantId, t.Id }).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Identity.PortalUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.Property(a => a.Action).HasMaxLength(80);
        b.Property(a => a.ActorName).HasMaxLength(256);
        b.Property(a => a.TargetType).HasMaxLength(60);
        b.Property(a => a.TargetId).HasMaxLength(100);
        b.Property(a => a.Detail).HasMaxLength(2000);
        b.Property(a => a.IpAddress).HasMaxLength(64);
        b.HasIndex(a => new { a.TenantId, a.At });
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.Property(t => t.Prefix).HasMaxLength(16);
        b.Property(t => t.TokenHash).HasMaxLength(64);
        b.Property(t => t.Role).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(t => new { t.TenantId, t.CreatedAt });
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasOne<Organization>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
