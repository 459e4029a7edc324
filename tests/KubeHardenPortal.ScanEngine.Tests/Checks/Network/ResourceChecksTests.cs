using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Network;

/// <summary>KH-NET-006..008: tenant options and LimitRange defaulting.</summary>
public sealed class ResourceChecksTests
{
    private static readonly ScanOptions NoCpu = new() { RequireCpuLimits = false };

    private const string MemoryOnlyPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: cache, namespace: data}
        spec:
          containers:
          - name: c
            image: registry.example.org/data/cache:6.2.1
            resources: {limits: {memory: 512Mi}}
        """;

    [Fact]
    public void ContainerLimits_CpuSubRuleFollowsTheTenantSetting()
    {
        Assert.Single(Scan.Yaml(MemoryOnlyPod, "KH-NET-008").Failures("KH-NET-008"));
        var relaxed = Scan.Yaml(MemoryOnlyPod, "KH-NET-008", NoCpu);
        Assert.Empty(relaxed.Failures("KH-NET-008"));
        Assert.Equal(1, relaxed.Checks.Single().Pass);
    }

    [Fact]
    public void ContainerLimits_LimitRangeDefaultsCountPerResource()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: LimitRange
            metadata: {name: memory-only, namespace: data}
            spec:
              limits: [{type: Container, default: {memory: 256Mi}}, {type: Pod, max: {cpu: "4"}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: cache, namespace: data}
            spec:
              containers: [{name: c, image: registry.example.org/data/cache:6.2.1}]
            """, "KH-NET-008");
        // A Pod in a manifest scan is not yet admitted: the memory default applies, the Pod-type cpu max does not.
        var f = Assert.Single(report.Failures("KH-NET-008"));
        Assert.EndsWith("limits.cpu", f.Evidence!.Path);
    }

    [Fact]
    public void LimitRange_CpuDefaultOnlyRequiredWhenTheTenantRequiresCpuLimits()
    {
        const string Yaml = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: orders}
            ---
            apiVersion: v1
            kind: LimitRange
            metadata: {name: defaults, namespace: orders}
            spec:
              limits: [{type: Container, default: {memory: 512Mi}, defaultRequest: {memory: 256Mi, cpu: 100m}}]
            """;
        Assert.Single(Scan.Yaml(Yaml, "KH-NET-006").Failures("KH-NET-006"));
        Assert.Empty(Scan.Yaml(Yaml, "KH-NET-006", NoCpu).Failures("KH-NET-006"));
    }

    [Fact]
    public void ResourceQuota_ScopedQuotaDoesNotCoverTheNamespace()
    {
        var report = Scan.Yaml("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: orders}
            ---
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: memory, namespace: orders}
            spec: {hard: {limits.memory: 32Gi}}
            ---
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: cpu-terminating, namespace: orders}
            spec: {hard: {limits.cpu: "8"}, scopes: [Terminating]}
            """, "KH-NET-007");
        var f = Assert.Single(report.Failures("KH-NET-007"));
        Assert.Contains("partial coverage: CPU is capped only by scoped quota(s) cpu-terminating", f.Message);
    }
}
