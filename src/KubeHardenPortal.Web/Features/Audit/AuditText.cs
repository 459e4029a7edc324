using System.Globalization;

namespace KubeHardenPortal.Web.Features.Audit;

/// <summary>Human wording for audit actions (the stored action names stay stable, dotted identifiers).</summary>
public static class AuditText
{
    private static readonly Dictionary<string, string> Actions = new(StringComparer.Ordinal)
    {
        ["organization.created"] = "created the organization",
        ["organization.renamed"] = "renamed the organization",
        ["policy.mfa.required"] = "required MFA for Owners and Admins",
        ["policy.mfa.optional"] = "made MFA optional",
        ["auth.signin"] = "signed in",
        ["auth.signin.mfa"] = "signed in with MFA",
        ["auth.signin.recovery"] = "signed in with a recovery code",
        ["auth.signin.failed"] = "failed to sign in",
        ["auth.lockout"] = "was locked out after repeated failures",
        ["auth.mfa.enabled"] = "enabled two-factor authentication",
        ["auth.mfa.disabled"] = "disabled two-factor authentication",
        ["auth.mfa.recovery-codes"] = "generated new recovery codes",
        ["auth.password.changed"] = "changed their password",
        ["auth.password.reset"] = "reset their password",
        ["auth.sso.linked"] = "linked single sign-on to their account",
        ["auth.sso.unlinked"] = "unlinked single sign-on from their account",
        ["member.role.changed"] = "changed a member's role",
        ["member.removed"] = "removed a member",
        ["org.ownership.transferred"] = "transferred ownership",
        ["invitation.created"] = "invited someone",
        ["invitation.revoked"] = "revoked an invitation",
        ["invitation.accepted"] = "accepted an invitation",
        ["team.created"] = "created a team",
        ["team.renamed"] = "renamed a team",
        ["team.deleted"] = "deleted a team",
        ["team.member.added"] = "added someone to a team",
        ["team.member.role.changed"] = "changed a team role",
        ["team.member.removed"] = "removed someone from a team",
        ["demo.seeded"] = "seeded the demo organization",
    };

    public static string Describe(string action) => Actions.TryGetValue(action, out var text) ? text : action;

    public static string When(DateTimeOffset at) => at.ToUniversalTime().ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static MudBlazor.Color Tone(string action) => action switch
    {
        "auth.signin.failed" or "auth.lockout" or "auth.mfa.disabled" or "policy.mfa.optional" => MudBlazor.Color.Warning,
        _ when action.StartsWith("auth.", StringComparison.Ordinal) => MudBlazor.Color.Info,
        _ => MudBlazor.Color.Primary,
    };
}
