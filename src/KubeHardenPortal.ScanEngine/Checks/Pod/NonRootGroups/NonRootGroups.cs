using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-006: non-root primary and supplementary groups (CATALOG.md §2).</summary>
public sealed class NonRootGroups : WorkloadCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-006",
        Title = "Non-root primary and supplementary groups",
        Severity = Severity.Low,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (runAsGroup, supplementalGroups, fsGroup non-zero)",
        Target = CheckTarget.Container,
        Rationale = "Group 0 (root) owns many files on the node and in images; a process in it can read or write them " +
                    "through any shared mount. An unset runAsGroup leaves the choice to the image.",
        Remediation = "Set non-zero runAsGroup and fsGroup at pod level and keep 0 out of supplementalGroups.",
        FixYaml = """
            securityContext:
              runAsGroup: 10001
              fsGroup: 10001
            """,
        References = new(["C-0013"], [], "(former optional)", ["5.2.7 (related)"]),
    };

    protected override bool EvaluatesEphemeralOnlyPods => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        // Pod-level groups are evaluated with the pod spec, not again for pods that only contribute debug containers.
        if (!workload.EphemeralOnly)
        {
            var fsGroup = PodLevel(workload, "fsGroup");
            if (fsGroup.Long == 0)
            {
                unit.Fail("pod fsGroup is 0 (root group owns the pod's volumes)", fsGroup.Path, "0", key: "fsGroup");
            }

            var i = 0;
            foreach (var g in workload.PodSecurityContext.Items("supplementalGroups"))
            {
                var index = i++;
                if (g.Long() == 0)
                {
                    unit.Fail("pod supplementalGroups contains 0 (root group)",
                        workload.Path($"securityContext.supplementalGroups[{index}]"), "0", key: "supplementalGroups");
                    break;
                }
            }
        }

        var strict = string.Equals(PodLevel(workload, "supplementalGroupsPolicy").Str, "Strict", StringComparison.Ordinal)
            ? " (supplementalGroupsPolicy: Strict keeps the image's /etc/group memberships out)"
            : "";
        foreach (var c in workload.AllContainers)
        {
            var group = Get(workload, c, "runAsGroup");
            var gid = group.Long;
            if (gid == 0)
            {
                unit.Fail($"{Describe(c)} runs with primary group 0 (runAsGroup: 0{(group.FromPod ? ", pod securityContext" : "")}){strict}",
                    group.Path, "0", c, key: "runAsGroup");
            }
            else if (group.IsSet && gid is null)
            {
                unit.Fail($"{Describe(c)} has a runAsGroup that is not a number ({group.Observed})", group.Path, group.Observed, c, key: "runAsGroup");
            }
            else if (!group.IsSet && context.Options.RequireExplicitRunAsGroup)
            {
                unit.Fail($"{Describe(c)} sets no runAsGroup: primary group comes from the image{strict}", group.Path, "<unset>", c, key: "runAsGroup");
            }
            else if (!group.IsSet)
            {
                // The tenant does not require an explicit group: a pass, with the catalog's note.
                unit.Advise($"{Describe(c)} sets no runAsGroup: primary group comes from the image{strict}", group.Path, "<unset>", c, key: "runAsGroup");
            }
        }
    }
}
