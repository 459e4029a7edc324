using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Audit;

public sealed record ListAuditEventsQuery(int Page, int PageSize, string? Search);

public sealed record AuditEventRow(long Id, DateTimeOffset At, string Action, string? Actor, string? Target, string? Detail, string? IpAddress);

public sealed record AuditEventPage(IReadOnlyList<AuditEventRow> Items, int Total);

/// <summary>The organization's audit log, newest first, paged in SQL. Owners, Admins and Auditors only.</summary>
public sealed class ListAuditEventsHandler(TenantDbContextFactory dbs, CurrentOrganization current)
{
    public async Task<Result<AuditEventPage>> HandleAsync(ListAuditEventsQuery query, CancellationToken cancellationToken)
    {
        if (!CanRead(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var events = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = "%" + query.Search.Trim().Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            events = events.Where(e => EF.Functions.ILike(e.Action, term) || EF.Functions.ILike(e.ActorName ?? "", term)
                                       || EF.Functions.ILike(e.Detail ?? "", term));
        }

        var total = await events.CountAsync(cancellationToken);
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        var items = await events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize)
            .Select(e => new AuditEventRow(e.Id, e.At, e.Action, e.ActorName, e.TargetType == null ? null : e.TargetType + ":" + e.TargetId,
                e.Detail, e.IpAddress))
            .ToListAsync(cancellationToken);
        return new AuditEventPage(items, total);
    }

    public static bool CanRead(CurrentOrganization current) => current.Has(Data.Organizations.OrgRole.Auditor);
}

internal static class AuditFeature
{
    public static IServiceCollection AddAuditLog(this IServiceCollection services)
    {
        services.AddScoped<AuditTrail>();
        services.AddScoped<ListAuditEventsHandler>();
        return services;
    }
}
