using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using static KubeHardenPortal.ScanEngine.Checks.Pod.EffectiveSecurityContext;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-009: dangerous capabilities added (CATALOG.md §2).</summary>
public sealed class DangerousCapabilities : ContainerCheck
{
    /// <summary>Rule 1: kubescape's configurable insecure list plus DAC_READ_SEARCH and SYS_TIME.</summary>
    public static readonly IReadOnlySet<string> Dangerous = new HashSet<string>(StringComparer.Ordinal)
    {
        "ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "SYS_BOOT", "NET_ADMIN", "NET_RAW", "SETPCAP",
        "MAC_ADMIN", "MAC_OVERRIDE", "BPF", "PERFMON", "DAC_READ_SEARCH", "SYS_TIME",
    };

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-009",
        Title = "Dangerous capabilities added",
        Severity = Severity.High,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement; Hardening container environments",
        Target = CheckTarget.Container,
        Rationale = "Capabilities such as SYS_ADMIN, SYS_MODULE, SYS_PTRACE or NET_ADMIN give a container kernel powers " +
                    "that are known container-escape and lateral-movement paths.",
        Remediation = "Remove the added capability or replace it with a narrower one; never add ALL. Drop ALL and add back " +
                      "only what the process needs.",
        FixYaml = """
            capabilities:
              drop: ["ALL"]
              add: ["NET_BIND_SERVICE"]   # only if the process binds <1024
            """,
        References = new(["C-0046"], ["dangerousCapabilities"], "Baseline", ["5.2.8", "5.2.9"]),
    };

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        var add = Container(container, "capabilities.add");
        var i = 0;
        foreach (var entry in add.Value.Items())
        {
            var index = i++;
            var raw = entry.Str() ?? "";
            var cap = Capabilities.Normalise(raw);
            var path = $"{add.Path}[{index}]";
            var spelled = raw == cap ? "" : $" (written \"{raw}\"; runtimes may reject this spelling)";
            if (Dangerous.Contains(cap))
            {
                var note = cap == "SETPCAP" ? " (allowed by PSS Baseline, but listed as insecure: this catalog treats it as dangerous)"
                    : cap == "SYS_ADMIN" ? " (see also KH-POD-001: SYS_ADMIN is close to privileged)"
                    : "";
                unit.Fail($"{Describe(container)} adds the dangerous capability {cap}{spelled}{note}", path, raw, container,
                    Severity.High, "cap:" + cap);
            }
            else if (!Capabilities.BaselineAllowed.Contains(cap))
            {
                unit.Fail($"{Describe(container)} adds {cap}{spelled}, which PSS Baseline does not allow", path, raw, container,
                    Severity.Medium, "cap:" + cap);
            }
            else if (raw != cap)
            {
                // Allowed only after normalisation: PSA compares the exact upper-case name without CAP_.
                unit.Advise($"{Describe(container)} adds {cap} written \"{raw}\": PSS Baseline rejects this spelling; write {cap}",
                    path, raw, container, "cap:" + cap);
            }
        }
    }
}
