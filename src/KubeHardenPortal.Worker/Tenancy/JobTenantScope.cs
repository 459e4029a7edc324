using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Worker.Tenancy;

/// <summary>
/// A DI scope bound to one tenant, taken from an explicit job argument — a worker has no HTTP request and no
/// ambient tenant (Hangfire#793, #1485). Contexts created here carry the tenant into the query filter, the save
/// guard and the connection's app.tenant_id. Dispose it when the tenant's work is done.
/// </summary>
public sealed class JobTenantScope : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;

    private JobTenantScope(AsyncServiceScope scope, Guid tenantId)
    {
        _scope = scope;
        TenantId = tenantId;
    }

    public Guid TenantId { get; }

    public IServiceProvider Services => _scope.ServiceProvider;

    /// <summary>Opens a scope for <paramref name="tenantId"/>; Guid.Empty is refused (a job must always name its tenant).</summary>
    public static JobTenantScope Begin(IServiceScopeFactory scopes, Guid tenantId)
    {
        if (tenantId == Guid.Empty)
        {
            throw new ArgumentException("a tenant-scoped job needs its tenant id", nameof(tenantId));
        }

        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenantId, userId: null);
        return new JobTenantScope(scope, tenantId);
    }

    /// <summary>A new context for one operation, bound to this scope's tenant (dispose it).</summary>
    public PortalDbContext CreateDbContext() => Services.GetRequiredService<TenantDbContextFactory>().Create();

    public ValueTask DisposeAsync() => _scope.DisposeAsync();
}
