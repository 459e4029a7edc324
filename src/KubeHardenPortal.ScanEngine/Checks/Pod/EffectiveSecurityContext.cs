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
/// <param name="Path">JSON path from the object root of the field that decided it; for an unset value, the container path the field would have.</param>
public readonly record struct EffectiveValue(JsonElement Value, string Path, SecurityContextLevel Level)
{
    public bool IsSet => Level != SecurityContextLevel.Unset;

    public bool FromPod => Level == SecurityContextLevel.Pod;

    public long? Long => Value.Long();

    public bool? Bool => Value.Bool();

    public string? Str => Value.Str();

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
        var c = Container(container, field);
        return c.IsSet ? c : PodLevel(workload, field, container.Path + ".securityContext." + field);
    }

    /// <summary>A container-only field (privileged, allowPrivilegeEscalation, capabilities, readOnlyRootFilesystem, procMount).</summary>
    public static EffectiveValue Container(ContainerRef container, string field)
    {
        var path = container.Path + ".securityContext." + field;
        var v = Navigate(container.SecurityContext, field);
        return v.Exists() ? new EffectiveValue(v, path, SecurityContextLevel.Container) : new EffectiveValue(default, path, SecurityContextLevel.Unset);
    }

    /// <summary>A pod-level securityContext field (fsGroup, supplementalGroups, sysctls, and pod defaults).</summary>
    public static EffectiveValue PodLevel(Workload workload, string field) => PodLevel(workload, field, workload.Path("securityContext." + field));

    private static EffectiveValue PodLevel(Workload workload, string field, string unsetPath)
    {
        var v = Navigate(workload.PodSecurityContext, field);
        return v.Exists()
            ? new EffectiveValue(v, workload.Path("securityContext." + field), SecurityContextLevel.Pod)
            : new EffectiveValue(default, unsetPath, SecurityContextLevel.Unset);
    }

    /// <summary>Follows a dotted path without allocating substrings for the common single-segment case.</summary>
    internal static JsonElement Navigate(JsonElement e, string dotted)
    {
        var start = 0;
        while (true)
        {
            var dot = dotted.IndexOf('.', start);
            if (dot < 0)
            {
                return e.Get(start == 0 ? dotted : dotted[start..]);
            }

            e = e.Get(dotted[start..dot]);
            if (e.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            start = dot + 1;
        }
    }

    /// <summary>True when the object is a pod with user namespaces (spec.hostUsers: false).</summary>
    public static bool UsesUserNamespace(Workload workload) => workload.PodSpec.Bool("hostUsers") == false;

    /// <summary>Suffix for messages about pods whose Windows-ness was inferred from node selection (CATALOG.md §1.6).</summary>
    public static string WindowsNote(Workload workload) =>
        workload.WindowsInferred ? " (Windows inferred from node selection)" : "";

    /// <summary>JSON path of a pod annotation, e.g. "spec.template.metadata.annotations['key']".</summary>
    public static string AnnotationPath(Workload workload, string key) =>
        $"{workload.PodSpecPath[..^"spec".Length]}metadata.annotations['{key}']";

    /// <summary>"init container", "container" or "ephemeral (debug) container", for messages.</summary>
    public static string Describe(ContainerRef container) => container.Type switch
    {
        ContainerType.Init => $"init container \"{container.Name}\"",
        ContainerType.Ephemeral => $"ephemeral (debug) container \"{container.Name}\"",
        _ => $"container \"{container.Name}\"",
    };
}
