using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>Where an effective security-context value came from.</summary>
public enum SecurityContextLevel
{
    Unset,
    Container,
    Pod,
}

/// <summary>An effective security-context value, with the level and JSON path it was read from.</summary>
/// <param name="Value">The value; Undefined when unset (a JSON null counts as unset).</param>
/// <param name="BasePath">Path of the container or pod spec the value was read from (for an unset value: the container's).</param>
/// <param name="Field">The securityContext field, e.g. "runAsUser" or "seccompProfile.type".</param>
public readonly record struct EffectiveValue(CompactJson Value, SecurityContextLevel Level, string BasePath, string Field)
{
    public bool IsSet => Level != SecurityContextLevel.Unset;

    public bool FromPod => Level == SecurityContextLevel.Pod;

    public long? Long => Value.Long();

    public bool? Bool => Value.Bool();

    public string? Str => Value.Str();

    /// <summary>JSON path from the object root of the field that decided (built on demand: most values pass).</summary>
    public string Path => BasePath.Length == 0 ? JsonPaths.Join("securityContext.", Field) : JsonPaths.Join(BasePath, ".securityContext.", Field);

    /// <summary>Evidence text: the value, or "&lt;unset&gt;".</summary>
    public string Observed => IsSet ? Value.Render() : "<unset>";
}

/// <summary>
/// Effective security-context values per CATALOG.md §1.5: for fields settable at both levels, the container value
/// if set, else the pod value, else unset. Field names may be dotted ("seccompProfile.type",
/// "windowsOptions.runAsUserName"): each leaf is resolved on its own, which is how the kubelet merges
/// windowsOptions and how the catalog defines the seccomp/AppArmor type.
/// </summary>
public static class EffectiveSecurityContext
{
    /// <summary>Container value if set, else pod value (fields of both levels: runAsUser, runAsGroup, runAsNonRoot, seLinuxOptions, seccompProfile, appArmorProfile, windowsOptions).</summary>
    public static EffectiveValue Get(Workload workload, ContainerRef container, string field)
    {
        var c = Navigate(container.SecurityContext, field);
        if (c.Exists())
        {
            return new EffectiveValue(c, SecurityContextLevel.Container, container.Path, field);
        }

        var p = Navigate(workload.PodSecurityContext, field);
        return p.Exists()
            ? new EffectiveValue(p, SecurityContextLevel.Pod, workload.PodSpecPath, field)
            : new EffectiveValue(default, SecurityContextLevel.Unset, container.Path, field);
    }

    /// <summary>A container-only field (privileged, allowPrivilegeEscalation, capabilities, readOnlyRootFilesystem, procMount).</summary>
    public static EffectiveValue Container(ContainerRef container, string field)
    {
        var v = Navigate(container.SecurityContext, field);
        return new EffectiveValue(v.Exists() ? v : default, v.Exists() ? SecurityContextLevel.Container : SecurityContextLevel.Unset, container.Path, field);
    }

    /// <summary>A pod-level securityContext field (fsGroup, supplementalGroups, sysctls, and pod defaults).</summary>
    public static EffectiveValue PodLevel(Workload workload, string field)
    {
        var v = Navigate(workload.PodSecurityContext, field);
        return new EffectiveValue(v.Exists() ? v : default, v.Exists() ? SecurityContextLevel.Pod : SecurityContextLevel.Unset, workload.PodSpecPath, field);
    }

    /// <summary>Follows a dotted path ("seccompProfile.type") without allocating substrings.</summary>
    internal static CompactJson Navigate(CompactJson e, string dotted)
    {
        var rest = dotted.AsSpan();
        while (true)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            var dot = rest.IndexOf('.');
            if (!e.TryGetProperty(dot < 0 ? rest : rest[..dot], out var next))
            {
                return default;
            }

            if (dot < 0)
            {
                return next;
            }

            e = next;
            rest = rest[(dot + 1)..];
        }
    }

    /// <summary>True when the object is a pod with user namespaces (spec.hostUsers: false).</summary>
    public static bool UsesUserNamespace(Workload workload) => workload.PodSpec.Bool("hostUsers") == false;

    /// <summary>Suffix for messages about pods whose Windows-ness was inferred from node selection (CATALOG.md §1.6).</summary>
    public static string WindowsNote(Workload workload) =>
        workload.WindowsInferred ? " (Windows inferred from node selection)" : "";

    /// <summary>
    /// CATALOG.md §1.5: legacy seccomp/AppArmor annotations are read only as a fallback and their presence is reported as
    /// informational. One advisory per annotation whose key starts with one of <paramref name="prefixes"/>.
    /// </summary>
    public static void AdviseLegacyAnnotations(Workload workload, Unit unit, string field, params string[] prefixes)
    {
        // Runs for every workload in three checks: no enumerator for the usual empty map, no closure per annotation.
        var annotations = workload.PodAnnotations;
        if (annotations.Count == 0)
        {
            return;
        }

        foreach (var (key, value) in annotations)
        {
            if (StartsWithAny(key, prefixes))
            {
                unit.Advise($"legacy annotation {key}: {value} is read only as a fallback on old clusters: set securityContext.{field} instead",
                    AnnotationPath(workload, key), value, key: "legacy-annotation:" + key);
            }
        }
    }

    private static bool StartsWithAny(string key, string[] prefixes)
    {
        foreach (var p in prefixes)
        {
            if (key.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>JSON path of a pod annotation, e.g. "spec.template.metadata.annotations['key']".</summary>
    public static string AnnotationPath(Workload workload, string key) =>
        $"{workload.PodSpecPath[..^"spec".Length]}metadata.annotations['{key}']";

    /// <summary>"init container", "container" or "ephemeral (debug) container", for messages.</summary>
    public static string Describe(ContainerRef container) => container.Description;
}
