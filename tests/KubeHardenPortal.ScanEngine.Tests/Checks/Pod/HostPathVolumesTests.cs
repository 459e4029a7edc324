using KubeHardenPortal.ScanEngine.Checks.Pod;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Pod;

/// <summary>KH-POD-004 path normalisation, sensitive-path matching and severity escalation.</summary>
public sealed class HostPathVolumesTests
{
    [Theory(DisplayName = "KH-POD-004 path normalisation")]
    [InlineData("/var/lib/kubelet/", "/var/lib/kubelet")]
    [InlineData("/etc//kubernetes///pki", "/etc/kubernetes/pki")]
    [InlineData("/./var/./run/", "/var/run")]
    [InlineData("//", "/")]
    [InlineData("/", "/")]
    [InlineData("data/x/", "data/x")]
    public void Normalise(string raw, string expected) => Assert.Equal(expected, HostPathVolumes.Normalise(raw));

    [Theory(DisplayName = "KH-POD-004 sensitive: equal, inside, or parent of an entry; \"/\" matches only itself")]
    [InlineData("/etc", "/etc")]
    [InlineData("/etc/ssl/certs", "/etc")]
    [InlineData("/etc/kubernetes/pki", "/etc/kubernetes")]
    [InlineData("/var", "/var/run")]
    [InlineData("/var/lib", "/var/lib/etcd")]
    [InlineData("/run/containerd/containerd.sock", "/run/containerd/containerd.sock")]
    [InlineData("/", "/")]
    [InlineData("/etcd-backup", null)]
    [InlineData("/opt/data", null)]
    [InlineData("/var/log", null)]
    [InlineData("/var/lib/kubelet-plugins", null)]
    public void SensitiveMatch(string path, string? expected) =>
        Assert.Equal(expected, HostPathVolumes.SensitiveMatch(path, HostPathVolumes.DefaultSensitivePaths));

    private static string PodWith(string hostPath, string? mount) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: apps}
        spec:
          containers:
          - name: c
            image: registry.example.org/app:1.0.0
            volumeMounts: [{{mount ?? ""}}]
          volumes:
          - name: h
            hostPath: {path: "{{hostPath}}"}
        """;

    // Rule 4: sensitive and writable → Critical; one of them → High; neither → Medium.
    [Theory(DisplayName = "KH-POD-004 severity escalation")]
    [InlineData("/var/run/docker.sock", "{name: h, mountPath: /s}", Severity.Critical)]
    [InlineData("/var/run/docker.sock", "{name: h, mountPath: /s, readOnly: true}", Severity.High)]
    [InlineData("/var/run/docker.sock", null, Severity.High)]
    [InlineData("/srv/data", "{name: h, mountPath: /d}", Severity.High)]
    [InlineData("/srv/data", "{name: h, mountPath: /d, readOnly: true}", Severity.Medium)]
    [InlineData("/srv/data", null, Severity.Medium)]
    [InlineData("/", "{name: h, mountPath: /host, readOnly: true}", Severity.High)]
    public void Escalation(string path, string? mount, Severity expected)
    {
        var f = Assert.Single(Scan.Yaml(PodWith(path, mount), "KH-POD-004").Failures("KH-POD-004"));
        Assert.Equal(expected, f.Severity);
        Assert.Equal("hostPath:h", f.SubKey);
    }

    [Fact(DisplayName = "KH-POD-004: the tenant's sensitive-path list replaces the default")]
    public void TenantPaths()
    {
        var options = new ScanOptions { SensitiveHostPaths = ["/srv"] };
        var f = Assert.Single(Scan.Yaml(PodWith("/srv/data", "{name: h, mountPath: /d}"), "KH-POD-004", options).Failures("KH-POD-004"));
        Assert.Equal(Severity.Critical, f.Severity);
        f = Assert.Single(Scan.Yaml(PodWith("/etc", "{name: h, mountPath: /d, readOnly: true}"), "KH-POD-004", options).Failures("KH-POD-004"));
        Assert.Equal(Severity.Medium, f.Severity);
    }
}
