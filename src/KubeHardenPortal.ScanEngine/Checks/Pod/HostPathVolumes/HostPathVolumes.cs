using System.Text;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-004: hostPath volumes, escalated by path and writability, and non-core volume types (CATALOG.md §2).</summary>
public sealed class HostPathVolumes : WorkloadCheck
{
    /// <summary>CATALOG.md KH-POD-004 rule 3 default; tenants override it with <see cref="ScanOptions.SensitiveHostPaths"/>.</summary>
    public static readonly IReadOnlyList<string> DefaultSensitivePaths =
    [
        "/", "/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot",
        "/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker", "/var/lib/etcd", "/etc/kubernetes",
        "/var/run", "/run",
        "/var/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/k3s/containerd/containerd.sock",
    ];

    /// <summary>PSS Restricted "Volume Types" allowed set (rule 5).</summary>
    private static readonly HashSet<string> RestrictedVolumeTypes = new(StringComparer.Ordinal)
    {
        "configMap", "downwardAPI", "emptyDir", "projected", "secret", "csi", "persistentVolumeClaim", "ephemeral", "image",
    };

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-004",
        Title = "hostPath volumes (and non-core volume types)",
        Severity = Severity.High,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (allowedHostPaths, read-only host paths)",
        Target = CheckTarget.PodSpec,
        Rationale = "A hostPath volume exposes the node's file system to the container. A writable mount of a sensitive " +
                    "path (container runtime socket, kubelet or etcd data, /etc) is a direct node takeover; even a " +
                    "read-only mount can leak host credentials.",
        Remediation = "Replace hostPath with a PersistentVolumeClaim, a CSI driver, a ConfigMap/Secret or an emptyDir. If a " +
                      "node agent truly needs one, mount the narrowest path read-only and record an exception.",
        FixYaml = """
            volumes:
            - name: scratch
              emptyDir: {}
            """,
        References = new(["C-0048", "C-0045", "C-0074"], ["hostPathSet"], "Baseline / Restricted", ["5.2.11"]),
    };

    protected override bool AppliesToWindows => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        var sensitive = context.Options.SensitiveHostPaths ?? DefaultSensitivePaths;
        var i = 0;
        foreach (var volume in workload.PodSpec.Items("volumes"))
        {
            var index = i++;
            var name = volume.Str("name") ?? $"#{index}";
            var hostPath = volume.Get("hostPath");
            if (hostPath.ValueKind == JsonValueKind.Object)
            {
                EvaluateHostPath(workload, unit, sensitive, hostPath, name, index);
                continue;
            }

            foreach (var p in volume.Props())
            {
                if (p.Name != "name" && p.Value.Exists() && !RestrictedVolumeTypes.Contains(p.Name))
                {
                    unit.Fail($"volume \"{name}\" has type {p.Name}, outside the PSS Restricted volume types",
                        workload.Path($"volumes[{index}].{p.Name}"), p.Name, severity: Severity.Low, key: "volumeType:" + name);
                }
            }
        }
    }

    private static void EvaluateHostPath(Workload workload, Unit unit, IReadOnlyList<string> sensitive,
        CompactJson hostPath, string name, int index)
    {
        var raw = hostPath.Str("path") ?? "";
        var path = Normalise(raw);
        var matched = SensitiveMatch(path, sensitive);

        var writers = new List<string>();
        var readers = new List<string>();
        foreach (var c in workload.AllContainers)
        {
            foreach (var m in c.Json.Items("volumeMounts"))
            {
                if (m.Str("name") == name)
                {
                    (m.Bool("readOnly") == true ? readers : writers).Add($"\"{c.Name}\" at {m.Str("mountPath")}");
                }
            }
        }

        var writable = writers.Count > 0;
        var severity = matched is not null && writable ? Severity.Critical
            : matched is not null || writable ? Severity.High
            : Severity.Medium;

        var text = new StringBuilder($"hostPath volume \"{name}\" mounts the node path {raw}");
        if (matched is not null)
        {
            text.Append(matched == path ? " (sensitive)" : $" (sensitive: overlaps {matched})");
        }

        if (writable)
        {
            text.Append("; writable in ").AppendJoin(", ", writers);
        }

        if (readers.Count > 0)
        {
            text.Append("; read-only in ").AppendJoin(", ", readers);
            if (matched is not null && !writable)
            {
                text.Append(" (read-only still exposes host secrets)");
            }
        }

        if (!writable && readers.Count == 0)
        {
            text.Append("; declared but not mounted (still rejected by PSS Baseline)");
        }

        unit.Fail(text.ToString(), workload.Path($"volumes[{index}].hostPath.path"), raw, severity: severity, key: "hostPath:" + name);
    }

    /// <summary>Strips trailing "/", collapses "//" and "/./" so "/var//run/" and "/var/run" compare equal.</summary>
    public static string Normalise(string path)
    {
        if (path.Length == 0)
        {
            return path;
        }

        var sb = new StringBuilder(path.Length);
        var absolute = path[0] == '/';
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".")
            {
                continue;
            }

            if (sb.Length > 0 || absolute)
            {
                sb.Append('/');
            }

            sb.Append(segment);
        }

        return sb.Length == 0 ? (absolute ? "/" : ".") : sb.ToString();
    }

    /// <summary>
    /// The configured entry the path equals, lies inside, or is a parent of; null when none. The entry "/" matches
    /// only "/" itself (otherwise every path would be sensitive).
    /// </summary>
    public static string? SensitiveMatch(string normalisedPath, IReadOnlyList<string> entries)
    {
        // For the message, prefer the exact entry, then the closest enclosing one (longest), then the closest one below (shortest).
        string? best = null;
        var bestRank = int.MaxValue;
        foreach (var raw in entries)
        {
            var entry = Normalise(raw);
            int rank;
            if (entry == normalisedPath)
            {
                rank = 0;
            }
            else if (entry == "/")
            {
                continue;
            }
            else if (normalisedPath.StartsWith(entry + "/", StringComparison.Ordinal))
            {
                rank = 1_000_000 - entry.Length;
            }
            else if (normalisedPath == "/" || entry.StartsWith(normalisedPath + "/", StringComparison.Ordinal))
            {
                rank = 2_000_000 + entry.Length;
            }
            else
            {
                continue;
            }

            if (rank < bestRank)
            {
                (best, bestRank) = (entry, rank);
            }
        }

        return best;
    }
}
