using KubeHardenPortal.ScanEngine.Evaluation;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>
/// The PSS Baseline "safe" sysctls per Kubernetes minor version (CATALOG.md KH-POD-015: keep as data). Each row adds
/// names from the version that first allows them; refresh when a new minor extends the list.
/// </summary>
public static class SafeSysctls
{
    private static readonly (int Minor, string[] Names)[] Table =
    [
        (0, ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
             "net.ipv4.ip_unprivileged_port_start"]),
        (27, ["net.ipv4.ip_local_reserved_ports"]),
        (29, ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]),
        (32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    ];

    /// <summary>True when the sysctl is in the safe set for the version (null: the newest list, e.g. manifests).</summary>
    public static bool IsSafe(string name, KubeVersion? version)
    {
        var normalised = Normalise(name);
        foreach (var (minor, names) in Table)
        {
            if (version is { } v && !v.AtLeast(1, minor))
            {
                break;
            }

            if (Array.IndexOf(names, normalised) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The minor version that first allows the name, or null when no version does.</summary>
    public static int? SafeSince(string name)
    {
        var normalised = Normalise(name);
        foreach (var (minor, names) in Table)
        {
            if (Array.IndexOf(names, normalised) >= 0)
            {
                return minor;
            }
        }

        return null;
    }

    /// <summary>Sysctl names may use "/" as the separator (then "." may appear inside a segment): convert to dots.</summary>
    public static string Normalise(string name)
    {
        if (!name.Contains('/', StringComparison.Ordinal))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = chars[i] switch { '/' => '.', '.' => '/', var c => c };
        }

        return new string(chars);
    }
}
