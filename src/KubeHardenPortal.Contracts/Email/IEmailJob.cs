namespace KubeHardenPortal.Contracts.Email;

/// <summary>
/// Sends the portal's e-mail. The Web host enqueues these (queue <see cref="Jobs.JobQueues.Notifications"/>); the Worker
/// implements them with the configured sender (SMTP, or a log line in Development).
/// </summary>
/// <remarks>
/// Wire contract: Hangfire persists this interface's name, the method names and the argument list. Never rename or
/// reorder; add a new method instead and keep the old one until queued jobs have drained. Arguments are ids plus the
/// one-time link — the recipient's address is read from the database when the job runs, never from the job.
/// Links carry single-use tokens, so the Worker expires finished e-mail jobs early.
/// Tenant-scoped methods take the tenant id first (STYLE.md §2.8).
/// </remarks>
public interface IEmailJob
{
    /// <summary>E-mail confirmation or password reset for a user (users are global: no tenant).</summary>
    /// <param name="link">The absolute http(s) URL the user opens.</param>
    /// <remarks>The plaintext link sits in Hangfire's job table: enqueue <see cref="SendProtectedAccountEmailAsync"/> instead.</remarks>
    Task SendAccountEmailAsync(Guid userId, AccountEmailKind kind, string link, CancellationToken cancellationToken);

    /// <summary>Confirmation of a new e-mail address: sent to that new address, which is not stored until confirmed.</summary>
    Task SendEmailChangeConfirmationAsync(Guid userId, string newEmail, string link, CancellationToken cancellationToken);

    /// <summary>An invitation to an organization. Skipped (not failed) when it was accepted, revoked or has expired.</summary>
    /// <remarks>The plaintext link sits in Hangfire's job table: enqueue <see cref="SendProtectedInvitationAsync"/> instead.</remarks>
    Task SendInvitationAsync(Guid tenantId, Guid invitationId, string link, CancellationToken cancellationToken);

    /// <summary>
    /// An invitation whose link is encrypted with the portal's Data Protection key ring (<see cref="InvitationLinkProtection"/>),
    /// so the single-use token never sits readable in job storage or the Hangfire dashboard. Skipped (not failed) when the
    /// invitation is no longer pending or the link does not decrypt for this tenant and invitation.
    /// </summary>
    Task SendProtectedInvitationAsync(Guid tenantId, Guid invitationId, string protectedLink, CancellationToken cancellationToken);

    /// <summary>
    /// An account e-mail whose link (or, for <see cref="AccountEmailKind.ResetCode"/>, code) is encrypted with the key ring
    /// (<see cref="AccountLinkProtection"/>), so no confirmation or reset token sits readable in job storage. Sent to the
    /// user's address as stored when the job runs. Skipped (not failed) when the user is gone or the payload does not
    /// decrypt for this user and kind.
    /// </summary>
    Task SendProtectedAccountEmailAsync(Guid userId, AccountEmailKind kind, string protectedLink, CancellationToken cancellationToken);
}

/// <summary>
/// How the invitation link is protected in a job argument: <c>IDataProtectionProvider.CreateProtector(Purpose,
/// tenantId "D", invitationId "D")</c>. The sub-purposes bind the ciphertext to its invitation, so a protected link
/// cannot be replayed in a job naming another tenant or invitation. Changing the purpose orphans queued jobs.
/// </summary>
public static class InvitationLinkProtection
{
    public const string Purpose = "KubeHardenPortal.Email.InvitationLink.v1";

    public static string[] SubPurposes(Guid tenantId, Guid invitationId) => [tenantId.ToString("D"), invitationId.ToString("D")];
}

/// <summary>
/// How an account e-mail's link is protected in a job argument: <c>CreateProtector(Purpose, userId "D", kind number)</c>.
/// The sub-purposes bind the ciphertext to its user and kind, so a reset link cannot be replayed as another user's mail.
/// </summary>
public static class AccountLinkProtection
{
    public const string Purpose = "KubeHardenPortal.Email.AccountLink.v1";

    public static string[] SubPurposes(Guid userId, AccountEmailKind kind) =>
        [userId.ToString("D"), ((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture)];
}

/// <summary>Account e-mails. Serialized as numbers in queued jobs: never renumber.</summary>
public enum AccountEmailKind
{
    ConfirmEmail = 1,
    ResetPassword = 2,

    /// <summary>Someone tried to sign up with the address of an existing account; the link is the sign-in page.</summary>
    AccountExists = 3,

    /// <summary>A password reset code (Identity's API flow) instead of a link.</summary>
    ResetCode = 4,
}
