using System.ComponentModel.DataAnnotations;
using KubeHardenPortal.Contracts.Jobs;

namespace KubeHardenPortal.Worker.Hosting;

/// <summary>Section "Worker". Validated at start: a bad value stops the host with a clear message.</summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string Section = "Worker";

    /// <summary>Prefix of the Hangfire server id; the health check looks for it. Defaults to "worker-" + host name.</summary>
    public string ServerName { get; set; } = "worker-" + Environment.MachineName.ToLowerInvariant();

    /// <summary>Queues this worker serves, in priority order.</summary>
    public string[] Queues { get; set; } = [.. JobQueues.All];

    [Range(1, 200)]
    public int WorkerCount { get; set; } = Math.Min(20, Environment.ProcessorCount * 5);

    /// <summary>How often an idle worker polls its queues (Hangfire.PostgreSql's default of 15 s makes jobs feel stuck).</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often delayed and retried jobs are moved to their queue.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long running jobs get, after their cancellation token fires, before Hangfire abandons them.</summary>
    public TimeSpan JobShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The host waits this much longer than <see cref="JobShutdownTimeout"/>, so jobs see their token and finish.</summary>
    public TimeSpan HostShutdownMargin { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Queues.Length == 0 || Queues.Any(q => string.IsNullOrWhiteSpace(q) || q != q.ToLowerInvariant()))
        {
            yield return new ValidationResult("Worker:Queues must list lowercase queue names", [nameof(Queues)]);
        }

        if (QueuePollInterval <= TimeSpan.Zero || SchedulePollingInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Worker polling intervals must be positive", [nameof(QueuePollInterval)]);
        }

        if (JobShutdownTimeout <= TimeSpan.Zero || HostShutdownMargin <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Worker shutdown timeouts must be positive", [nameof(JobShutdownTimeout)]);
        }
    }
}
