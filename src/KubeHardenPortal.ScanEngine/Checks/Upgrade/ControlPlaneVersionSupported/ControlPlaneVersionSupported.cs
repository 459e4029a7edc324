using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Upgrade;

/// <summary>
/// KH-UPG-001: the control plane runs a supported, patched Kubernetes minor (CATALOG.md §6). Release data comes from
/// the release table (<see cref="KubernetesReleaseTable"/>), never from code; a stale table makes the check Unknown.
/// </summary>
public sealed class ControlPlaneVersionSupported : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-UPG-001",
        Title = "Control-plane Kubernetes version supported and patched",
        Severity = Severity.High,
        Section = GuideSections.Upgrading,
        GuideReference = "Upgrading and application security practices (apply patches and upgrades promptly)",
        Target = CheckTarget.Cluster,
        Rationale = "Upstream fixes security vulnerabilities only in the three newest minor releases (about 14 months " +
                    "each). A control plane past end of support no longer receives CVE fixes; one that lags on patches " +
                    "misses fixes that are already public.",
        Remediation = "Plan minor upgrades one version at a time before end of support, and keep the patch level current.",
        FixYaml = """
            # GET /version after the upgrade (example)
            {"major": "1", "minor": "36", "gitVersion": "v1.36.6"}
            """,
        References = new(["C-0273"], [], null, []),
        Collectors = ['f'],
    };

    /// <summary>End of support this close (days) is reported as a Medium warning.</summary>
    internal const int WarnDays = 90;

    /// <summary>More than this many days past end of support is Critical.</summary>
    internal const int CriticalDays = 180;

    private const string EvidencePath = "cluster.serverVersion.gitVersion";

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var gitVersion = context.Snapshot.Cluster.ServerGitVersion;
        if (context.ServerVersion is not { } version)
        {
            results.Unknown(context.ClusterRef, context.IsManifestScan
                ? "the API server version is not part of manifests"
                : "the API server version (/version) was not collected");
            return;
        }

        var table = context.Options.KubernetesReleases ?? KubernetesReleaseTable.Embedded;
        var unit = results.Begin(context.ClusterRef);
        if (table.StaleReason(context.Options.Now) is { } stale)
        {
            unit.Unknown(stale);
            return;
        }

        var release = table.Find(version);
        if (release is null)
        {
            if (table.Range() is { } range && version < range.Oldest)
            {
                unit.Fail($"Kubernetes {version} is older than every release in the support table (oldest: v{range.Oldest.Major}.{range.Oldest.Minor}), " +
                          "so it has been out of support for years", EvidencePath, gitVersion, severity: Severity.Critical, key: "end-of-support");
            }
            else
            {
                unit.Unknown($"Kubernetes v{version.Major}.{version.Minor} is not in the release table (refreshed {table.LastRefreshed:yyyy-MM-dd}); refresh it");
            }

            return;
        }

        var now = context.Options.Now;
        var vendor = VendorNote(gitVersion, context.Snapshot.Cluster.Provider);
        var daysPast = DataJson.DaysBetween(release.EndOfLife, now);
        if (daysPast > 0)
        {
            unit.Fail($"Kubernetes v{version.Major}.{version.Minor} reached end of upstream support on {release.EndOfLife:yyyy-MM-dd} " +
                      $"({daysPast} days ago){vendor}: it no longer receives security fixes", EvidencePath, gitVersion,
                severity: daysPast > CriticalDays ? Severity.Critical : Severity.High, key: "end-of-support");
        }
        else if (-daysPast <= WarnDays)
        {
            unit.Fail($"Kubernetes v{version.Major}.{version.Minor} reaches end of upstream support on {release.EndOfLife:yyyy-MM-dd} " +
                      $"(in {-daysPast} days){vendor}: plan the upgrade now", EvidencePath, gitVersion, severity: Severity.Medium,
                key: "end-of-support-soon");
        }

        if (PatchLag(release, version, context.Options) is { } lag)
        {
            unit.Fail(lag, EvidencePath, gitVersion, severity: Severity.Medium, key: "patch");
        }
    }

    /// <summary>
    /// The patch-lag rule: more than N releases behind the newest patch, or behind a newest patch that has been out for
    /// more than D days (the table has the newest patch's date only, so this is a lower bound of the time spent behind).
    /// </summary>
    internal static string? PatchLag(KubernetesRelease release, KubeVersion version, ScanOptions options)
    {
        if (release.Latest is not { } latest || version.Patch >= latest.Patch)
        {
            return null;
        }

        var behind = latest.Patch - version.Patch;
        var latestAge = DataJson.DaysBetween(release.LatestPatchDate, options.Now);
        if (behind > options.PatchLagMaxReleases)
        {
            return $"patch level {version} is {behind} releases behind the newest patch {latest} (more than {options.PatchLagMaxReleases})";
        }

        if (latestAge > options.PatchLagMaxDays)
        {
            return $"patch level {version} is behind the newest patch {latest}, released {latestAge} days ago (more than {options.PatchLagMaxDays})";
        }

        return null;
    }

    /// <summary>Managed offerings may sell extended support the upstream table does not show.</summary>
    internal static string VendorNote(string? gitVersion, string? provider)
    {
        var v = gitVersion ?? "";
        var vendor = provider is { Length: > 0 } p ? p
            : v.Contains("-eks-", StringComparison.Ordinal) ? "EKS"
            : v.Contains("-gke.", StringComparison.Ordinal) ? "GKE"
            : null;
        return vendor is null ? "" : $" (upstream dates; check the {vendor} support tier, which the table does not hold)";
    }
}
