using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using KubeHardenPortal.Contracts.Email;

namespace KubeHardenPortal.Worker.Hosting;

/// <summary>
/// E-mail jobs carry one-time links in their arguments: once finished, keep them for an hour instead of Hangfire's
/// day, so the links do not sit in job storage longer than needed for troubleshooting.
/// </summary>
internal sealed class ShortRetentionForEmailJobs : JobFilterAttribute, IApplyStateFilter
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState.IsFinal && context.BackgroundJob.Job?.Type == typeof(IEmailJob))
        {
            context.JobExpirationTimeout = Retention;
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
