using Microsoft.EntityFrameworkCore.Migrations;

namespace KubeHardenPortal.Migrations;

/// <summary>Row-level security for tenant tables, written in the same migration that creates the table.</summary>
public static class MigrationBuilderExtensions
{
    /// <summary>
    /// The tenant of the connection; NULL when unset or empty (the interceptor writes '' for "no tenant"), so
    /// nothing matches and the cast can never fail on ''.
    /// </summary>
    public const string CurrentTenant = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

    /// <summary>The signed-in user of the connection, NULL when unset or empty.</summary>
    public const string CurrentUser = "NULLIF(current_setting('app.user_id', true), '')::uuid";

    /// <summary>
    /// ENABLE and FORCE row-level security on <paramref name="table"/> and add the policy "tenant_isolation": rows
    /// are read and written only where <paramref name="tenantColumn"/> is the connection's tenant. An
    /// <paramref name="extraReadCondition"/> adds a separate SELECT-only policy ("tenant_isolation_read"): permissive
    /// policies are OR-ed per command, so it widens reads and never writes (UPDATE and DELETE use only the
    /// tenant policy's USING, INSERT and UPDATE its WITH CHECK).
    /// </summary>
    public static void EnableTenantRowLevelSecurity(this MigrationBuilder m, string table, string tenantColumn = "tenant_id",
        string? extraReadCondition = null)
    {
        m.Sql($"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON {table} FOR ALL
                USING ({tenantColumn} = {CurrentTenant}) WITH CHECK ({tenantColumn} = {CurrentTenant});
            """);
        if (extraReadCondition is not null)
        {
            m.Sql($"CREATE POLICY tenant_isolation_read ON {table} FOR SELECT USING ({extraReadCondition});");
        }
    }

    /// <summary>The inverse of <see cref="EnableTenantRowLevelSecurity"/> (for Down migrations that keep the table).</summary>
    public static void DisableTenantRowLevelSecurity(this MigrationBuilder m, string table)
    {
        m.Sql($"""
            DROP POLICY IF EXISTS tenant_isolation_read ON {table};
            DROP POLICY IF EXISTS tenant_isolation ON {table};
            ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
            """);
    }
}
