using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KubeHardenPortal.Testing;

/// <summary>
/// A private PostgreSQL for one test run: initdb into a temp folder, start on a free loopback port, stop and
/// delete on dispose. Uses KHP_TEST_PG (a connection string to a superuser) instead when set, e.g. in CI
/// with a service container. Runs the server as the "postgres" OS user when the tests run as root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string? _dataRoot;
    private readonly string? _pgBin;

    private PostgresServer(string adminConnection, string? dataRoot, string? pgBin)
    {
        AdminConnectionString = adminConnection;
        _dataRoot = dataRoot;
        _pgBin = pgBin;
    }

    /// <summary>Superuser connection to the "postgres" database.</summary>
    public string AdminConnectionString { get; }

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var external = Environment.GetEnvironmentVariable("KHP_TEST_PG");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new PostgresServer(external, null, null);
        }

        var pgBin = FindPgBin() ?? throw new InvalidOperationException(
            "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql); or set KHP_TEST_PG");
        var root = Directory.CreateTempSubdirectory("khp-pg-").FullName;
        var data = Path.Combine(root, "data");
        var sock = Path.Combine(root, "sock");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(sock);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await Run("/bin/sh", ["-c", "id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres"], cancellationToken);
            await Run("/bin/chmod", ["755", root], cancellationToken);
            await Run("/bin/chown", ["-R", "postgres", root], cancellationToken);
            await Run("/bin/chmod", ["700", data], cancellationToken);
        }

        await RunPg(asRoot, Path.Combine(pgBin, "initdb"),
            ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"], cancellationToken);
        var port = FreePort();
        await RunPg(asRoot, Path.Combine(pgBin, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(root, "postgres.log"), "-w", "-t", "60", "-o",
             $"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
             "start"], cancellationToken);
        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false", root, pgBin);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataRoot is null || _pgBin is null)
        {
            return;
        }

        try
        {
            await RunPg(Environment.UserName == "root", Path.Combine(_pgBin, "pg_ctl"),
                ["-D", Path.Combine(_dataRoot, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        finally
        {
            try
            {
                Directory.Delete(_dataRoot, recursive: true);
            }
            catch (IOException)
            {
                // A stray file lock must not fail the run; the temp folder is cleaned by the OS.
            }
        }
    }

    private static string? FindPgBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => decimal.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0m)
                .FirstOrDefault()
            : null;

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static Task RunPg(bool asRoot, string exe, string[] args, CancellationToken cancellationToken) =>
        asRoot ? Run("/usr/sbin/runuser", ["-u", "postgres", "--", exe, .. args], cancellationToken) : Run(exe, args, cancellationToken);

    private static async Task Run(string exe, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
