using System.Collections.Concurrent;
using System.Threading.Channels;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Versions of memberships: handlers that take access away (remove a member, change a role, transfer ownership, require
/// MFA) bump the user or the organization after their commit, and <see cref="TenantCircuitHandler"/> compares versions
/// on every inbound circuit event (click, navigation), so an open circuit re-resolves on its very next event instead of
/// up to <see cref="TenantCircuitHandler.RevalidateEvery"/> later. A dictionary read per event, no query.
/// Each local bump is also handed to <see cref="MembershipSignalRelay"/>, which tells the other web replicas through
/// PostgreSQL NOTIFY and applies what they tell this one (<see cref="Observe"/>).
/// </summary>
public sealed class MembershipChanges
{
    private readonly ConcurrentDictionary<Guid, long> _users = new();
    private readonly ConcurrentDictionary<Guid, long> _organizations = new();

    // Bounded so a process without a running relay (tests, a relay that cannot connect) cannot grow it: the oldest
    // signal goes first, and other replicas still have their periodic re-check.
    private readonly Channel<MembershipSignal> _outgoing = Channel.CreateBounded<MembershipSignal>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private long _clock;
    private long _everything;

    /// <summary>The latest version handed out; every later change gets a greater one.</summary>
    public long Current => Interlocked.Read(ref _clock);

    public void UserChanged(Guid userId)
    {
        Observe(new MembershipSignal(MembershipScope.User, userId));
        _outgoing.Writer.TryWrite(new MembershipSignal(MembershipScope.User, userId));
    }

    public void OrganizationChanged(Guid organizationId)
    {
        Observe(new MembershipSignal(MembershipScope.Organization, organizationId));
        _outgoing.Writer.TryWrite(new MembershipSignal(MembershipScope.Organization, organizationId));
    }

    /// <summary>Applies a change made elsewhere (another replica) without signalling it again.</summary>
    public void Observe(MembershipSignal signal)
    {
        switch (signal.Scope)
        {
            case MembershipScope.User:
                _users[signal.Id] = Interlocked.Increment(ref _clock);
                break;
            case MembershipScope.Organization:
                _organizations[signal.Id] = Interlocked.Increment(ref _clock);
                break;
            default:
                Interlocked.Exchange(ref _everything, Interlocked.Increment(ref _clock));
                break;
        }
    }

    /// <summary>Local changes waiting to be told to the other replicas.</summary>
    internal ChannelReader<MembershipSignal> Outgoing => _outgoing.Reader;

    /// <summary>Grows whenever the user's or the organization's memberships change (values come from one increasing clock).</summary>
    public long VersionOf(Guid? userId, Guid? organizationId) =>
        Math.Max(Interlocked.Read(ref _everything),
            Math.Max(userId is { } u && _users.TryGetValue(u, out var uv) ? uv : 0,
                     organizationId is { } o && _organizations.TryGetValue(o, out var ov) ? ov : 0));
}

/// <summary><see cref="Everything"/>: signals may have been missed (the listener was disconnected), so every circuit re-checks.</summary>
public enum MembershipScope
{
    Everything,
    User,
    Organization,
}

public readonly record struct MembershipSignal(MembershipScope Scope, Guid Id);
