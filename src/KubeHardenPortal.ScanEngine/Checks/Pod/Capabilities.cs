namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>Linux capability names as the checks compare them (KH-POD-001/007/009/010).</summary>
public static class Capabilities
{
    /// <summary>Upper-case, trimmed, without a leading "CAP_": "cap_sys_admin" → "SYS_ADMIN".</summary>
    public static string Normalise(string raw)
    {
        var s = raw.Trim().ToUpperInvariant();
        return s.StartsWith("CAP_", StringComparison.Ordinal) ? s[4..] : s;
    }

    /// <summary>
    /// True when PSA would compare the raw spelling differently from ours: it matches exact upper-case names
    /// without "CAP_", so "chown" or "CAP_CHOWN" is rejected by PSS even though it normalises to an allowed name.
    /// </summary>
    public static bool IsNonCanonical(string raw) => !string.Equals(raw, Normalise(raw), StringComparison.Ordinal);

    /// <summary>PSS Baseline "Capabilities": the only names a Baseline pod may add.</summary>
    public static readonly IReadOnlySet<string> BaselineAllowed = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    /// <summary>The capabilities containerd and Docker grant by default (the set "drop: [ALL]" removes).</summary>
    public static readonly IReadOnlySet<string> RuntimeDefaults = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };
}
