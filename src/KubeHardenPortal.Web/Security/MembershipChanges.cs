using System.Collections.Concurrent;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Per-process versions of memberships: handlers that take access away (remove a member, change a role, transfer
/// ownership, require MFA) bump the user or the organization after their commit, and <see cref="TenantCircuitHandler"/>
/// compares versions on every inbound circuit event (click, navigation), so an open circuit on this process re-resolves
/// on its very next event instead of up to <see cref="TenantCircuitHandler.RevalidateEvery"/> later. A dictionary read
/// per event, no query. Other web replicas do not see the bump: there the periodic re-check remains the bound.
/// </summary>
public sealed class MembershipChanges
{
    private readonly ConcurrentDictionary<Guid, long> _users = new();
    private readonly ConcurrentDictionary<Guid, long> _organizations = new();
    private long _clock;

    /// <summary>The latest version handed out; every later change gets a greater one.</summary>
    public long Current => Interlocked.Read(ref _clock);

    public void UserChanged(Guid userId) => _users[userId] = Interlocked.Increment(ref _clock);

    public void OrganizationChanged(Guid organizationId) => _organizations[organizationId] = Interlocked.Increment(ref _clock);

    /// <summary>Grows whenever the user's or the organization's memberships change (values come from one increasing clock).</summary>
    public long VersionOf(Guid? userId, Guid? organizationId) =>
        Math.Max(userId is { } u && _users.TryGetValue(u, out var uv) ? uv : 0,
                 organizationId is { } o && _organizations.TryGetValue(o, out var ov) ? ov : 0);
}
