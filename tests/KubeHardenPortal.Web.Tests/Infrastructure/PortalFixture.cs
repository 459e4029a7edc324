using Hangfire.PostgreSql;
using KubeHardenPortal.Testing;
using Npgsql;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>One throwaway PostgreSQL and one migrated database (with the least-privilege roles) for the test assembly.</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private SsoPortal? _sso;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");

    public PortalDatabase Db { get; private set; } = null!;

    /// <summary>The web app on an in-memory test server, in Development (links shown, no HSTS).</summary>
    public PortalWebFactory Web { get; private set; } = null!;

    /// <summary>A second host wired to a fake OpenID provider and a fake SMTP relay, started on first use (tests in the collection run one at a time).</summary>
    public async Task<SsoPortal> SsoAsync() => _sso ??= await SsoPortal.StartAsync(Db.AppConnectionString);

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        Db = await PortalDatabase.CreateAsync(_server);
        // Hangfire's tables, as a Worker installs them on its first start (the web never does DDL).
        await using (var jobs = new NpgsqlConnection(Db.JobsConnectionString))
        {
            await jobs.OpenAsync();
            PostgreSqlObjectsInstaller.Install(jobs, "hangfire");
        }

        Web = new PortalWebFactory(Db.AppConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_sso is not null)
        {
            await _sso.DisposeAsync();
        }

        await Web.DisposeAsync();
        await Db.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal";
}
