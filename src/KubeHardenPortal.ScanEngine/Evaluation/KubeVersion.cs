using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>A Kubernetes version, parsed from gitVersion strings such as "v1.27.16-eks-2f46c53" or "v1.31.2+k3s1".</summary>
public readonly partial record struct KubeVersion(int Major, int Minor, int Patch) : IComparable<KubeVersion>
{
    [GeneratedRegex(@"^v?(\d+)\.(\d+)(?:\.(\d+))?")]
    private static partial Regex Pattern();

    public static KubeVersion? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var m = Pattern().Match(text.Trim());
        if (!m.Success ||
            !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ||
            !int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return null;
        }

        var patch = m.Groups[3].Success && int.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        return new KubeVersion(major, minor, patch);
    }

    public int CompareTo(KubeVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major)
        : Minor != other.Minor ? Minor.CompareTo(other.Minor)
        : Patch.CompareTo(other.Patch);

    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    public static bool operator <(KubeVersion a, KubeVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(KubeVersion a, KubeVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(KubeVersion a, KubeVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KubeVersion a, KubeVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"v{Major}.{Minor}.{Patch}";
}
