namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Marks a page that works without an active organization (creating or choosing one). Every other page in the
/// main layout shows the organization chooser or the MFA requirement instead of its content.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class AllowWithoutOrganizationAttribute : Attribute;
