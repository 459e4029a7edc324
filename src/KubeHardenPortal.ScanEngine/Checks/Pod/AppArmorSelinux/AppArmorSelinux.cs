using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-012: AppArmor and SELinux not weakened (CATALOG.md §2).</summary>
public sealed class AppArmorSelinux : WorkloadCheck
{
    internal const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

    private static readonly string[] SelinuxTypes = ["container_t", "container_init_t", "container_kvm_t"];

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-012",
        Title = "AppArmor and SELinux not weakened",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (AppArmor and SELinux)",
        Target = CheckTarget.Container,
        Rationale = "AppArmor and SELinux confine what a container process may touch even when it runs as root. An " +
                    "Unconfined AppArmor profile or a custom SELinux user, role or type (such as spc_t) switches that " +
                    "confinement off.",
        Remediation = "Remove Unconfined AppArmor profiles and custom SELinux users, roles and types; keep the runtime defaults.",
        FixYaml = """
            securityContext:
              appArmorProfile: {type: RuntimeDefault}
            """,
        References = new(["C-0055", "C-0211"], ["linuxHardening"], "Baseline", ["5.6.3"]),
    };

    protected override bool EvaluatesEphemeralOnlyPods => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        // PSS allows container_engine_t from policy version 1.31; unknown versions use the newest policy.
        var engineTypeAllowed = context.ServerVersion is not { } v || v.AtLeast(1, 31);
        if (!workload.EphemeralOnly)
        {
            CheckSelinux(unit, workload.PodSecurityContext.Get("seLinuxOptions"), workload.Path("securityContext.seLinuxOptions"),
                "pod", null, engineTypeAllowed);
        }

        AdviseLegacyAnnotations(workload, unit, "appArmorProfile", AppArmorAnnotationPrefix);
        IReadOnlyDictionary<string, string>? annotations = null;
        foreach (var c in workload.AllContainers)
        {
            var who = Describe(c);
            CheckSelinux(unit, c.SecurityContext.Get("seLinuxOptions"), JsonPaths.Join(c.Path, ".securityContext.seLinuxOptions"), who, c, engineTypeAllowed);

            var type = Get(workload, c, "appArmorProfile.type");
            if (type.IsSet)
            {
                var t = type.Str ?? "";
                if (t is "RuntimeDefault" or "Localhost")
                {
                    continue;
                }

                var what = t == "Unconfined" ? "an Unconfined AppArmor profile" : $"an unrecognised AppArmor profile type \"{t}\"";
                unit.Fail($"{who} runs with {what}{(type.FromPod ? " (pod securityContext)" : "")}", type.Path, t, c, key: "appArmor");
                continue;
            }

            annotations ??= workload.PodAnnotations;
            var key = AppArmorAnnotationPrefix + c.Name;
            if (annotations.TryGetValue(key, out var value) &&
                !(value == "runtime/default" || (value.StartsWith("localhost/", StringComparison.Ordinal) && value.Length > "localhost/".Length)))
            {
                var what = value == "unconfined" ? "unconfined" : $"the unrecognised value \"{value}\"";
                unit.Fail($"{who} has AppArmor {what} through the legacy annotation {key}", AnnotationPath(workload, key), value, c, key: "appArmor");
            }
        }
    }

    private static void CheckSelinux(Unit unit, CompactJson options, string path, string who, ContainerRef? container, bool engineTypeAllowed)
    {
        if (options.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var prefix = container is null ? "pod." : "";
        if (options.Str("user") is { Length: > 0 } user)
        {
            unit.Fail($"{who} sets a custom SELinux user \"{user}\"", path + ".user", user, container, key: prefix + "seLinux.user");
        }

        if (options.Str("role") is { Length: > 0 } role)
        {
            unit.Fail($"{who} sets a custom SELinux role \"{role}\"", path + ".role", role, container, key: prefix + "seLinux.role");
        }

        if (options.Str("type") is { Length: > 0 } type &&
            !(SelinuxTypes.Contains(type) || (engineTypeAllowed && type == "container_engine_t")))
        {
            var extra = type == "container_engine_t" ? " (allowed by PSS only from policy version 1.31)" : "";
            unit.Fail($"{who} sets the SELinux type \"{type}\", outside the container types PSS Baseline allows{extra}",
                path + ".type", type, container, key: prefix + "seLinux.type");
        }
    }
}
