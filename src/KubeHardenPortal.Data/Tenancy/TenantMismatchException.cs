namespace KubeHardenPortal.Data.Tenancy;

/// <summary>A write that would cross a tenant boundary, or a tenant write with no tenant set. Always a bug.</summary>
public sealed class TenantMismatchException(string message) : InvalidOperationException(message);
