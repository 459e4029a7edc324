using System.Text;
using KubeHardenPortal.Data.Audit;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Audit;

/// <summary>Filters of the audit log: a time range (inclusive from, exclusive to), an action prefix, an actor, free text.</summary>
public sealed record AuditEventFilter(DateTimeOffset? From = null, DateTimeOffset? To = null, string? Action = null, string? Actor = null,
    string? Search = null);

public sealed record ListAuditEventsQuery(int Page, int PageSize, string? Search, AuditEventFilter? Filter = null);

public sealed record AuditEventRow(long Id, DateTimeOffset At, string Action, string? Actor, string? Target, string? Detail, string? IpAddress);

public sealed record AuditEventPage(IReadOnlyList<AuditEventRow> Items, int Total);

/// <summary>The organization's audit log, newest first, paged in SQL, and its CSV export. Owners, Admins and Auditors only.</summary>
public sealed class ListAuditEventsHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit)
{
    /// <summary>The most rows one export returns; narrow the filter for more.</summary>
    public const int MaxExportRows = 50_000;

    private static readonly Error InvalidRange = new("invalid", "The start of the range is after its end.");

    public async Task<Result<AuditEventPage>> HandleAsync(ListAuditEventsQuery query, CancellationToken cancellationToken)
    {
        if (!CanRead(current))
        {
            return Errors.Forbidden;
        }

        if (query.Filter is { From: { } from, To: { } to } && from > to)
        {
            return InvalidRange;
        }

        await using var db = dbs.Create();
        var events = Apply(db.AuditEvents.AsNoTracking(), (query.Filter ?? new AuditEventFilter()) with { Search = query.Search ?? query.Filter?.Search });
        var total = await events.CountAsync(cancellationToken);
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        var items = await Rows(events.Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize)).ToListAsync(cancellationToken);
        return new AuditEventPage(items, total);
    }

    /// <summary>The filtered log as CSV (RFC 4180 quoting; cells that a spreadsheet would run as a formula are defused).</summary>
    public async Task<Result<string>> ExportCsvAsync(AuditEventFilter filter, CancellationToken cancellationToken)
    {
        if (!CanRead(current))
        {
            return Errors.Forbidden;
        }

        if (filter is { From: { } from, To: { } to } && from > to)
        {
            return InvalidRange;
        }

        await using var db = dbs.Create();
        var csv = new StringBuilder("id,at,action,actor,target,detail,ip_address\r\n");
        await foreach (var e in Rows(Apply(db.AuditEvents.AsNoTracking(), filter).Take(MaxExportRows)).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            csv.Append(e.Id).Append(',').Append(Csv.Cell(e.At.ToString("O"))).Append(',').Append(Csv.Cell(e.Action)).Append(',')
                .Append(Csv.Cell(e.Actor)).Append(',').Append(Csv.Cell(e.Target)).Append(',').Append(Csv.Cell(e.Detail)).Append(',')
                .Append(Csv.Cell(e.IpAddress)).Append("\r\n");
        }

        // Exports are security-relevant (PRODUCT.md C11).
        audit.Add(db, "audit.exported", detail: DescribeFilter(filter));
        await db.SaveChangesAsync(cancellationToken);
        return csv.ToString();
    }

    public static bool CanRead(CurrentOrganization current) => current.Has(OrgRole.Auditor);

    private static string DescribeFilter(AuditEventFilter f)
    {
        var parts = new List<string>();
        if (f.From is { } from) { parts.Add($"from {from:O}"); }
        if (f.To is { } to) { parts.Add($"to {to:O}"); }
        if (!string.IsNullOrWhiteSpace(f.Action)) { parts.Add("action " + f.Action.Trim()); }
        if (!string.IsNullOrWhiteSpace(f.Actor)) { parts.Add("actor " + f.Actor.Trim()); }
        if (!string.IsNullOrWhiteSpace(f.Search)) { parts.Add("search " + f.Search.Trim()); }
        var text = parts.Count == 0 ? "CSV export, no filter" : "CSV export: " + string.Join(", ", parts);
        return text.Length > 2000 ? text[..2000] : text;
    }

    private static IQueryable<AuditEvent> Apply(IQueryable<AuditEvent> events, AuditEventFilter filter)
    {
        if (filter.From is { } from)
        {
            events = events.Where(e => e.At >= from);
        }

        if (filter.To is { } to)
        {
            events = events.Where(e => e.At < to);
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var action = Like(filter.Action, prefixOnly: true);
            events = events.Where(e => EF.Functions.ILike(e.Action, action));
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = Like(filter.Actor, prefixOnly: false);
            events = events.Where(e => EF.Functions.ILike(e.ActorName ?? "", actor));
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var term = Like(filter.Search, prefixOnly: false);
            events = events.Where(e => EF.Functions.ILike(e.Action, term) || EF.Functions.ILike(e.ActorName ?? "", term)
                                       || EF.Functions.ILike(e.Detail ?? "", term));
        }

        return events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id);
    }

    private static string Like(string value, bool prefixOnly)
    {
        var escaped = value.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
        return (prefixOnly ? "" : "%") + escaped + "%";
    }

    private static IQueryable<AuditEventRow> Rows(IQueryable<AuditEvent> events) =>
        events.Select(e => new AuditEventRow(e.Id, e.At, e.Action, e.ActorName, e.TargetType == null ? null : e.TargetType + ":" + e.TargetId,
            e.Detail, e.IpAddress));
}

/// <summary>CSV cells: quoted when needed, and prefixed with ' when a spreadsheet would treat them as a formula.</summary>
public static class Csv
{
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

internal static class AuditFeature
{
    public static IServiceCollection AddAuditLog(this IServiceCollection services)
    {
        services.AddScoped<AuditTrail>();
        services.AddScoped<ListAuditEventsHandler>();
        return services;
    }

    /// <summary>/api/v1/audit-events: the filtered, paged log, and the same filter as CSV.</summary>
    public static RouteGroupBuilder MapAuditEventEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Audit log").RequireOrgRole(OrgRole.Auditor);
        group.MapGet("/", async (ListAuditEventsHandler handler, DateTimeOffset? from, DateTimeOffset? to, string? action, string? actor,
                int? page, int? pageSize, CancellationToken cancellationToken) =>
            (await handler.HandleAsync(new ListAuditEventsQuery(page ?? 0, pageSize ?? 50, null, new AuditEventFilter(from, to, action, actor)),
                cancellationToken)).ToHttpResult());
        group.MapGet("/export.csv", async (ListAuditEventsHandler handler, TimeProvider clock, DateTimeOffset? from, DateTimeOffset? to,
                string? action, string? actor, CancellationToken cancellationToken) =>
            {
                var result = await handler.ExportCsvAsync(new AuditEventFilter(from, to, action, actor), cancellationToken);
                return result.Succeeded
                    ? Results.File(Encoding.UTF8.GetBytes(result.Value!), "text/csv; charset=utf-8",
                        $"audit-events-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv")
                    : result.ToHttpResult();
            })
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
        return group;
    }
}
