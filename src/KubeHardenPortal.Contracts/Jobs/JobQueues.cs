namespace KubeHardenPortal.Contracts.Jobs;

/// <summary>
/// Hangfire queue names (lowercase, as Hangfire requires). A host enqueues into a queue explicitly, e.g.
/// <c>jobs.Enqueue&lt;IEmailJob&gt;(JobQueues.Notifications, j =&gt; j.SendAccountEmailAsync(id, kind, link, CancellationToken.None))</c>,
/// because a [Queue] attribute here would tie this project to Hangfire. Workers listen to the queues they are
/// configured for (by default all of them, in <see cref="All"/> order, which is also their priority).
/// </summary>
public static class JobQueues
{
    public const string Scans = "scans";
    public const string Ingest = "ingest";
    public const string Notifications = "notifications";
    public const string Maintenance = "maintenance";
    public const string Default = "default";

    public static IReadOnlyList<string> All { get; } = [Scans, Ingest, Notifications, Maintenance, Default];
}
