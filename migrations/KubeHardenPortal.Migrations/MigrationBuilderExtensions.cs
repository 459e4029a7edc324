using Microsoft.EntityFrameworkCore.Migrations;

namespace KubeHardenPortal.Migrations;

/// <summary>Row-level security for tenant tables, written in the same migration that creates the table.</summary>
public static class MigrationBuilderExtensions
{
    /// <summary>The tenant of the connection, NULL when unset (so nothing matches).</summary>
    public const string CurrentTenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

    public const string CurrentUser = "NULLIF(current_setting('app.user_id', true), '')::uuid";

    public static void EnableTenantRowLevelSecurity(this MigrationBuilder m, string table, string? extraReadCondition = null)
    {
        var read = extraReadCondition is null ? $"tenant_id = {CurrentTenant}" : $"tenant_id = {CurrentTenant} OR ({extraReadCondition})";
        m.Sql($"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON {table} USING ({read}) WITH CHECK (tenant_id = {CurrentTenant});
            """);
    }
}
