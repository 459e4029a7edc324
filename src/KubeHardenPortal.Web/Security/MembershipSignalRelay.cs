using System.Globalization;
using Npgsql;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Carries <see cref="MembershipChanges"/> across web replicas with PostgreSQL LISTEN/NOTIFY on channel
/// <see cref="Channel"/>: local changes are published right after their commit, and every replica listens on one
/// dedicated connection and applies what the others published, so their circuits re-resolve on the next event instead
/// of within the 30-second re-check. Payloads are ids only (<c>u:</c>/<c>o:</c> user or organization id, then the
/// sending process's random id, so a replica skips its own echo).
/// </summary>
/// <remarks>
/// Best effort by design: the periodic re-check stays the bound. A lost listener connection is reopened with back-off,
/// and since notifications sent meanwhile are gone, every circuit of this replica is told to re-check once
/// (<see cref="MembershipScope.Everything"/>); a change published in the moment between a replica's start and its
/// first LISTEN is bounded by the re-check only. A publish that fails is logged and dropped. The khp_app role needs no
/// grant for LISTEN/NOTIFY.
/// </remarks>
internal sealed partial class MembershipSignalRelay : BackgroundService
{
    public const string Channel = "khp_membership";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly MembershipChanges _changes;
    private readonly TimeProvider _time;
    private readonly ILogger<MembershipSignalRelay> _logger;
    private readonly string _listenConnection;
    private readonly NpgsqlDataSource _publisher;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private int _listening;

    public MembershipSignalRelay(MembershipChanges changes, IConfiguration configuration, TimeProvider time, ILogger<MembershipSignalRelay> logger)
    {
        _changes = changes;
        _time = time;
        _logger = logger;
        var app = configuration.GetConnectionString("App") ?? throw new InvalidOperationException("ConnectionStrings:App is not set");
        ListenerApplicationName = "khp-membership-listener-" + _instance[..8];
        _listenConnection = new NpgsqlConnectionStringBuilder(app)
        {
            ApplicationName = ListenerApplicationName,
            Pooling = false,       // one long-lived session; a broken one must not go back to a pool
            KeepAlive = 15,        // a silently dead connection (no FIN) surfaces as an error while waiting
        }.ConnectionString;
        _publisher = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(app) { ApplicationName = "khp-membership-publisher" }.ConnectionString);
    }

    /// <summary>The listener session's application_name in pg_stat_activity (one per process).</summary>
    public string ListenerApplicationName { get; }

    /// <summary>How many times the listener has connected and run LISTEN (tests wait on it after cutting the connection).</summary>
    public int ListeningSessions => Volatile.Read(ref _listening);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));

    public override void Dispose()
    {
        base.Dispose();
        _publisher.Dispose();
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnection);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Reconnected: whatever was published while this replica was not listening is lost, so every circuit
                // re-checks once. Not on the first connection: circuits opened before it resolved from the database.
                if (Volatile.Read(ref _listening) > 0)
                {
                    _changes.Observe(new MembershipSignal(MembershipScope.Everything, Guid.Empty));
                }

                Interlocked.Increment(ref _listening);

                LogListening(_logger, Channel);
                delay = FirstRetry;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                LogListenerLost(_logger, ex.GetType().Name, (ex as PostgresException)?.SqlState, delay);
            }

            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == Channel && Parse(e.Payload) is { } parsed && parsed.Sender != _instance)
        {
            _changes.Observe(parsed.Signal);
        }
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var signal in _changes.Outgoing.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var notify = _publisher.CreateCommand("SELECT pg_notify($1, $2)");
                    notify.Parameters.Add(new NpgsqlParameter { Value = Channel });
                    notify.Parameters.Add(new NpgsqlParameter { Value = Format(signal, _instance) });
                    await notify.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
                {
                    // Other replicas fall back to their periodic re-check for this one change.
                    LogPublishFailed(_logger, ex.GetType().Name, (ex as PostgresException)?.SqlState);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal static string Format(MembershipSignal signal, string sender) =>
        (signal.Scope == MembershipScope.Organization ? "o:" : "u:") + signal.Id.ToString("N", CultureInfo.InvariantCulture) + ":" + sender;

    internal static (MembershipSignal Signal, string Sender)? Parse(string payload)
    {
        var parts = payload.Split(':');
        if (parts.Length != 3 || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return null;
        }

        return parts[0] switch
        {
            "u" => (new MembershipSignal(MembershipScope.User, id), parts[2]),
            "o" => (new MembershipSignal(MembershipScope.Organization, id), parts[2]),
            _ => null,
        };
    }

    [LoggerMessage(LogLevel.Information, "Listening for membership changes of other replicas on channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(LogLevel.Warning, "Membership change listener lost its connection ({ErrorType} {SqlState}); reconnecting in {Delay}")]
    private static partial void LogListenerLost(ILogger logger, string errorType, string? sqlState, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Membership change not published to other replicas ({ErrorType} {SqlState}); they re-check within 30 seconds")]
    private static partial void LogPublishFailed(ILogger logger, string errorType, string? sqlState);
}
