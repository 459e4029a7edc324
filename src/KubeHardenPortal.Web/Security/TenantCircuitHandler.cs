using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Binds the circuit's tenant from the circuit's authenticated user (never from HttpContext): when the circuit opens,
/// and again on user activity when the user changed (e.g. signed out by revalidation), when this or another replica
/// changed the user's or organization's memberships (<see cref="MembershipChanges"/>, fed across replicas by
/// <see cref="MembershipSignalRelay"/>: the next event after a removal), or at most every <see cref="RevalidateEvery"/>
/// (a lost signal), so a revoked membership or a new MFA policy takes effect without a reload.
/// </summary>
internal sealed class TenantCircuitHandler(
    AuthenticationStateProvider authentication,
    OrganizationAccessResolver resolver,
    CurrentOrganization current,
    TimeProvider clock,
    MembershipChanges changes) : CircuitHandler, IDisposable
{
    internal static readonly TimeSpan RevalidateEvery = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _resolvedAt;
    private long _resolvedAtVersion;

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken) =>
        ResolveAsync(force: true, cancellationToken);

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            await ResolveAsync(force: false, CancellationToken.None);
            await next(context);
        };

    public void Dispose() => _gate.Dispose();

    private async Task ResolveAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = await authentication.GetAuthenticationStateAsync();
            var userChanged = PortalClaims.UserId(state.User) != current.UserId;
            var changed = changes.VersionOf(current.UserId, current.Organization?.Id) > _resolvedAtVersion;
            if (force || userChanged || changed || clock.GetUtcNow() - _resolvedAt >= RevalidateEvery)
            {
                // Taken before the resolution reads the database: changes are bumped after their commit, so anything newer
                // than this may be missing from what is read now and triggers another resolution on the next event.
                _resolvedAtVersion = changes.Current;
                await resolver.ResolveAsync(state.User, cancellationToken);
                _resolvedAt = clock.GetUtcNow();
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
