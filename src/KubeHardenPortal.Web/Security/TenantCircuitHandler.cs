using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Binds the circuit's tenant from the circuit's authenticated user (never from HttpContext): when the circuit opens,
/// and again on user activity when the user changed (e.g. signed out by revalidation) or at most every
/// <see cref="RevalidateEvery"/>, so a revoked membership or a new MFA policy takes effect without a reload.
/// </summary>
internal sealed class TenantCircuitHandler(
    AuthenticationStateProvider authentication,
    OrganizationAccessResolver resolver,
    CurrentOrganization current,
    TimeProvider clock) : CircuitHandler, IDisposable
{
    internal static readonly TimeSpan RevalidateEvery = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _resolvedAt;

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
            if (force || userChanged || clock.GetUtcNow() - _resolvedAt >= RevalidateEvery)
            {
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
