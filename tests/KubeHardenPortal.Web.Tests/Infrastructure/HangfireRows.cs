using System.Globalization;
using Npgsql;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>One Hangfire job as stored: its id and everything the database holds about it (job, states, parameters) as text.</summary>
public sealed record HangfireJobRow(string Id, string AllText);

/// <summary>Reads Hangfire's tables directly (as khp_jobs), to prove what job storage does and does not hold.</summary>
public static class HangfireRows
{
    /// <summary>Jobs whose invocation or arguments name <paramref name="id"/>, with their states and parameters.</summary>
    public static async Task<List<HangfireJobRow>> NamingAsync(string jobsConnectionString, Guid id)
    {
        await using var conn = new NpgsqlConnection(jobsConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT j.id,
                   j.invocationdata::text || ' ' || coalesce(j.arguments::text, '')
                   || ' ' || coalesce((SELECT string_agg(coalesce(s.data::text, '') || s.name, ' ') FROM hangfire.state s WHERE s.jobid = j.id), '')
                   || ' ' || coalesce((SELECT string_agg(coalesce(p.value::text, ''), ' ') FROM hangfire.jobparameter p WHERE p.jobid = j.id), '')
            FROM hangfire.job j
            WHERE j.invocationdata::text LIKE '%' || @id || '%' OR j.arguments::text LIKE '%' || @id || '%'
            """, conn);
        cmd.Parameters.AddWithValue("id", id.ToString("D"));
        var rows = new List<HangfireJobRow>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new HangfireJobRow(reader.GetInt64(0).ToString(CultureInfo.InvariantCulture), reader.GetString(1)));
        }

        return rows;
    }
}
