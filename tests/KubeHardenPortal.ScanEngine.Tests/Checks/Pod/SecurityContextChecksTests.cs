using KubeHardenPortal.ScanEngine.Checks.Pod;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;
using static KubeHardenPortal.ScanEngine.Tests.Checks.Pod.PodTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Pod;

/// <summary>Decision tables of the container security-context checks (KH-POD-005..012, 015).</summary>
public sealed class SecurityContextChecksTests
{
    // KH-POD-005 rules 1-5 with pod/container precedence: (pod securityContext, container securityContext, extra spec) → fails?
    [Theory(DisplayName = "KH-POD-005 decision table")]
    [InlineData("{runAsUser: 1000}", "{}", "", false)]
    [InlineData("{runAsUser: 0}", "{runAsUser: 1000}", "", false)]
    [InlineData("{runAsUser: 1000}", "{runAsUser: 0}", "", true)]
    [InlineData("{runAsNonRoot: true}", "{}", "", false)]
    [InlineData("{runAsNonRoot: true}", "{runAsNonRoot: false}", "", true)]
    [InlineData("{runAsNonRoot: false}", "{runAsNonRoot: true}", "", false)]
    [InlineData("{runAsNonRoot: true, runAsUser: 0}", "{}", "", true)]
    [InlineData("{}", "{runAsNonRoot: true, runAsUser: 0}", "", true)]
    [InlineData("{}", "{}", "", true)]
    [InlineData("{runAsUser: 0}", "{}", "hostUsers: false", false)]
    [InlineData("{}", "{}", "hostUsers: false", false)]
    [InlineData("{}", "{windowsOptions: {runAsUserName: ContainerUser}}", "os: {name: windows}", false)]
    [InlineData("{windowsOptions: {runAsUserName: ContainerAdministrator}}", "{}", "os: {name: windows}", true)]
    [InlineData("{windowsOptions: {runAsUserName: ContainerAdministrator}}", "{windowsOptions: {runAsUserName: ContainerUser}}", "os: {name: windows}", false)]
    [InlineData("{windowsOptions: {runAsUserName: ContainerUser}}", "{windowsOptions: {runAsUserName: 'NT AUTHORITY\\SYSTEM'}}", "os: {name: windows}", true)]
    [InlineData("{runAsNonRoot: true, runAsUser: 1000}", "{}", "os: {name: windows}", true)]
    public void RunAsNonRootTable(string podSc, string containerSc, string extra, bool fails)
    {
        var report = Scan.Yaml(PodYaml(podSc, containerSc, extra), "KH-POD-005");
        Assert.Equal(fails, report.Fails("KH-POD-005").Count > 0);
        Assert.Equal(fails ? 0 : 1, report.Summary("KH-POD-005").Pass);
    }

    [Fact(DisplayName = "KH-POD-005: runAsUser 0 with runAsNonRoot true names the conflict")]
    public void RunAsNonRootConflictMessage()
    {
        var f = Assert.Single(Scan.Yaml(PodYaml("{runAsNonRoot: true}", "{runAsUser: 0}"), "KH-POD-005").Fails("KH-POD-005"));
        Assert.Contains("conflicts with runAsNonRoot", f.Message, StringComparison.Ordinal);
        Assert.Equal("spec.containers[0].securityContext.runAsUser", f.Evidence!.Path);
    }

    [Theory(DisplayName = "KH-POD-006 decision table")]
    [InlineData("{runAsGroup: 1000}", "{}", true, false)]
    [InlineData("{runAsGroup: 0}", "{runAsGroup: 1000}", true, false)]
    [InlineData("{runAsGroup: 1000}", "{runAsGroup: 0}", true, true)]
    [InlineData("{}", "{}", true, true)]
    [InlineData("{}", "{}", false, false)]
    [InlineData("{runAsGroup: 1000, fsGroup: 0}", "{}", true, true)]
    [InlineData("{runAsGroup: 1000, supplementalGroups: [5, 0]}", "{}", true, true)]
    [InlineData("{runAsGroup: 1000, fsGroup: 2000, supplementalGroups: [5]}", "{}", true, false)]
    public void NonRootGroupsTable(string podSc, string containerSc, bool requireExplicit, bool fails)
    {
        var options = new KubeHardenPortal.ScanEngine.Evaluation.ScanOptions { RequireExplicitRunAsGroup = requireExplicit };
        var report = Scan.Yaml(PodYaml(podSc, containerSc), "KH-POD-006", options);
        Assert.Equal(fails, report.Fails("KH-POD-006").Count > 0);
    }

    [Theory(DisplayName = "KH-POD-007 decision table")]
    [InlineData("{allowPrivilegeEscalation: false}", false, "")]
    [InlineData("{allowPrivilegeEscalation: true}", true, "")]
    [InlineData("{}", true, "")]
    [InlineData("{privileged: true}", true, "blocked by privileged")]
    [InlineData("{capabilities: {add: [CAP_SYS_ADMIN]}}", true, "blocked by the added capability CAP_SYS_ADMIN")]
    [InlineData("{allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}", false, "")]
    public void PrivilegeEscalationTable(string containerSc, bool fails, string note)
    {
        var fs = Scan.Yaml(PodYaml("{allowPrivilegeEscalation: false}", containerSc), "KH-POD-007").Fails("KH-POD-007");
        Assert.Equal(fails, fs.Count > 0);
        if (note.Length > 0)
        {
            Assert.Contains(note, fs[0].Message, StringComparison.Ordinal);
        }
    }

    [Theory(DisplayName = "KH-POD-009 capability normalisation")]
    [InlineData("SYS_ADMIN", "SYS_ADMIN")]
    [InlineData("cap_sys_admin", "SYS_ADMIN")]
    [InlineData(" Net_Raw ", "NET_RAW")]
    [InlineData("CAP_CAP_X", "CAP_X")]
    [InlineData("all", "ALL")]
    public void CapabilityNormalisation(string raw, string expected) => Assert.Equal(expected, Capabilities.Normalise(raw));

    // (add list, worst severity or null for pass)
    [Theory(DisplayName = "KH-POD-009 severity table")]
    [InlineData("[NET_BIND_SERVICE, CHOWN, KILL]", null)]
    [InlineData("[chown]", null)]
    [InlineData("[SYS_NICE]", Severity.Medium)]
    [InlineData("[SYS_NICE, CAP_NET_RAW]", Severity.High)]
    [InlineData("[SETPCAP]", Severity.High)]
    [InlineData("[dac_read_search]", Severity.High)]
    [InlineData("[SYS_TIME]", Severity.High)]
    [InlineData("[ALL]", Severity.High)]
    [InlineData("[]", null)]
    public void DangerousCapabilitiesTable(string add, Severity? worst)
    {
        var fs = Scan.Yaml(PodYaml("{}", $"{{capabilities: {{add: {add}}}}}"), "KH-POD-009").Fails("KH-POD-009");
        Assert.Equal(worst, fs.Count == 0 ? null : fs.Max(f => f.Severity));
    }

    [Fact(DisplayName = "KH-POD-009: each dangerous capability is its own finding with a stable key")]
    public void DangerousCapabilitiesKeys()
    {
        var fs = Scan.Yaml(PodYaml("{}", "{capabilities: {add: [NET_ADMIN, cap_net_admin, SYS_MODULE]}}"), "KH-POD-009").Fails("KH-POD-009");
        Assert.Equal(3, fs.Count);
        Assert.Equal(["cap:NET_ADMIN", "cap:NET_ADMIN", "cap:SYS_MODULE"], fs.Select(f => f.SubKey ?? "").ToArray());
    }

    [Theory(DisplayName = "KH-POD-010 decision table")]
    [InlineData("{drop: [ALL]}", 0)]
    [InlineData("{drop: [all]}", 0)]
    [InlineData("{drop: [ALL], add: [NET_BIND_SERVICE]}", 0)]
    [InlineData("{drop: [ALL], add: [cap_net_bind_service]}", 0)]
    [InlineData("{drop: [ALL], add: [NET_BIND_SERVICE, CHOWN]}", 1)]
    [InlineData("{drop: [NET_RAW]}", 1)]
    [InlineData("{drop: [NET_RAW], add: [SYS_TIME]}", 2)]
    [InlineData("{}", 1)]
    [InlineData("{drop: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]}", 0)]
    [InlineData("{drop: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]}", 1)]
    public void DropAllTable(string capabilities, int failures)
    {
        var fs = Scan.Yaml(PodYaml("{}", $"{{capabilities: {capabilities}}}"), "KH-POD-010").Fails("KH-POD-010");
        Assert.Equal(failures, fs.Count);
    }

    [Theory(DisplayName = "KH-POD-011 precedence and types")]
    [InlineData("{seccompProfile: {type: RuntimeDefault}}", "{}", false)]
    [InlineData("{seccompProfile: {type: Unconfined}}", "{seccompProfile: {type: RuntimeDefault}}", false)]
    [InlineData("{seccompProfile: {type: RuntimeDefault}}", "{seccompProfile: {type: Unconfined}}", true)]
    [InlineData("{}", "{seccompProfile: {type: Localhost, localhostProfile: p.json}}", false)]
    [InlineData("{seccompProfile: {type: Localhost, localhostProfile: p.json}}", "{}", false)]
    [InlineData("{seccompProfile: {type: Localhost}}", "{}", true)]
    [InlineData("{}", "{seccompProfile: {type: Bogus}}", true)]
    [InlineData("{}", "{}", true)]
    public void SeccompTable(string podSc, string containerSc, bool fails)
    {
        var report = Scan.Yaml(PodYaml(podSc, containerSc), "KH-POD-011");
        Assert.Equal(fails, report.Fails("KH-POD-011").Count > 0);
    }

    private const string AnnotatedDeployment = """
        [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "apps"},
          "spec": {"template": {"metadata": {"annotations": {ANNOTATIONS}},
            "spec": {"containers": [{"name": "c", "image": "i"}]}}}}]
        """;

    // Legacy annotations decide only before 1.19; the container annotation wins over the pod annotation.
    [Theory(DisplayName = "KH-POD-011 legacy annotations by cluster version")]
    [InlineData("v1.18.3", "\"seccomp.security.alpha.kubernetes.io/pod\": \"runtime/default\"", false)]
    [InlineData("v1.18.3", "\"seccomp.security.alpha.kubernetes.io/pod\": \"docker/default\"", false)]
    [InlineData("v1.18.3", "\"seccomp.security.alpha.kubernetes.io/pod\": \"unconfined\"", true)]
    [InlineData("v1.18.3", "\"seccomp.security.alpha.kubernetes.io/pod\": \"unconfined\", \"container.seccomp.security.alpha.kubernetes.io/c\": \"localhost/p.json\"", false)]
    [InlineData("v1.18.3", "\"seccomp.security.alpha.kubernetes.io/pod\": \"runtime/default\", \"container.seccomp.security.alpha.kubernetes.io/c\": \"unconfined\"", true)]
    [InlineData("v1.18.3", "\"container.seccomp.security.alpha.kubernetes.io/other\": \"runtime/default\"", true)]
    [InlineData("v1.19.0", "\"seccomp.security.alpha.kubernetes.io/pod\": \"runtime/default\"", true)]
    public void SeccompLegacyAnnotations(string version, string annotations, bool fails)
    {
        var report = Scan.Yaml(Snapshot(version, AnnotatedDeployment.Replace("ANNOTATIONS", annotations, StringComparison.Ordinal)), "KH-POD-011");
        Assert.Equal(fails, report.Fails("KH-POD-011").Count > 0);
    }

    private const string TwoNodes = """
        [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "a", "labels": {"pool": "a"}}},
         {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "b", "labels": {"pool": "b"}}},
         {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "w", "labels": {"pool": "b", "kubernetes.io/os": "windows"}}},
         POD]
        """;

    private const string NodeConfigs = """
        [{"name": "a", "kubeletConfig": {"seccompDefault": true}}, {"name": "b", "kubeletConfig": {"seccompDefault": false}}]
        """;

    // Only the nodes the pod can land on count; Windows nodes never do for a Linux pod.
    [Theory(DisplayName = "KH-POD-011 kubelet seccompDefault inference by node selection")]
    [InlineData("\"nodeName\": \"a\"", false)]
    [InlineData("\"nodeName\": \"b\"", true)]
    [InlineData("\"nodeSelector\": {\"pool\": \"a\"}", false)]
    [InlineData("\"nodeSelector\": {\"pool\": \"b\"}", true)]
    [InlineData("\"affinity\": {\"nodeAffinity\": {\"requiredDuringSchedulingIgnoredDuringExecution\": {\"nodeSelectorTerms\": [{\"matchExpressions\": [{\"key\": \"pool\", \"operator\": \"In\", \"values\": [\"a\"]}]}]}}}", false)]
    [InlineData("\"affinity\": {\"nodeAffinity\": {\"requiredDuringSchedulingIgnoredDuringExecution\": {\"nodeSelectorTerms\": [{\"matchFields\": [{\"key\": \"metadata.name\", \"operator\": \"In\", \"values\": [\"a\"]}]}]}}}", false)]
    [InlineData("\"affinity\": {\"nodeAffinity\": {\"requiredDuringSchedulingIgnoredDuringExecution\": {\"nodeSelectorTerms\": [{\"matchExpressions\": [{\"key\": \"pool\", \"operator\": \"Exists\"}]}]}}}", true)]
    [InlineData("\"nodeSelector\": {\"pool\": \"none\"}", true)]
    [InlineData("\"priority\": 0", true)]
    public void SeccompDefaultInference(string placement, bool fails)
    {
        var pod = $$"""{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "apps"}, "spec": { {{placement}}, "containers": [{"name": "c", "image": "i"}]} }""";
        var report = Scan.Yaml(Snapshot("v1.31.0", TwoNodes.Replace("POD", pod, StringComparison.Ordinal), nodes: NodeConfigs), "KH-POD-011");
        Assert.Equal(fails, report.Fails("KH-POD-011").Count > 0);
    }

    [Theory(DisplayName = "KH-POD-012 AppArmor and SELinux table")]
    [InlineData("{appArmorProfile: {type: Unconfined}}", "{appArmorProfile: {type: RuntimeDefault}}", 0)]
    [InlineData("{appArmorProfile: {type: RuntimeDefault}}", "{appArmorProfile: {type: Unconfined}}", 1)]
    [InlineData("{seLinuxOptions: {level: 's0:c1,c2', type: container_t}}", "{seLinuxOptions: {type: container_init_t}}", 0)]
    [InlineData("{seLinuxOptions: {user: system_u}}", "{seLinuxOptions: {role: system_r, type: spc_t}}", 3)]
    [InlineData("{}", "{seLinuxOptions: {type: container_kvm_t}}", 0)]
    [InlineData("{}", "{seLinuxOptions: {type: container_engine_t}}", 0)]
    public void AppArmorSelinuxTable(string podSc, string containerSc, int failures)
    {
        Assert.Equal(failures, Scan.Yaml(PodYaml(podSc, containerSc), "KH-POD-012").Fails("KH-POD-012").Count);
    }

    [Theory(DisplayName = "KH-POD-015 safe sysctls per Kubernetes minor")]
    [InlineData("kernel.shm_rmid_forced", "v1.20.0", true)]
    [InlineData("net.ipv4.ip_local_reserved_ports", "v1.26.9", false)]
    [InlineData("net.ipv4.ip_local_reserved_ports", "v1.27.0", true)]
    [InlineData("net.ipv4.tcp_fin_timeout", "v1.28.5", false)]
    [InlineData("net.ipv4.tcp_fin_timeout", "v1.29.0", true)]
    [InlineData("net.ipv4.tcp_wmem", "v1.31.9", false)]
    [InlineData("net.ipv4.tcp_wmem", "v1.32.0", true)]
    [InlineData("net.ipv4.tcp_wmem", null, true)]
    [InlineData("net/ipv4/tcp_wmem", null, true)]
    [InlineData("kernel.msgmax", null, false)]
    [InlineData("net.core.somaxconn", null, false)]
    public void SafeSysctlTable(string name, string? version, bool safe) =>
        Assert.Equal(safe, SafeSysctls.IsSafe(name, KubeHardenPortal.ScanEngine.Evaluation.KubeVersion.Parse(version)));

    [Fact(DisplayName = "KH-POD-015: slash-separated sysctl names swap separators")]
    public void SysctlSlashForm() => Assert.Equal("net.ipv4.conf.eth0/100.forwarding", SafeSysctls.Normalise("net/ipv4/conf/eth0.100/forwarding"));

    [Theory(DisplayName = "KH-POD-015 procMount and user namespaces by PSS policy version")]
    [InlineData("v1.34.1", "hostUsers: false", true)]
    [InlineData("v1.35.0", "hostUsers: false", false)]
    [InlineData("v1.35.0", "hostUsers: true", true)]
    public void ProcMountUserNamespaces(string version, string hostUsers, bool fails)
    {
        var pod = $$"""[{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "apps"}, "spec": { "{{hostUsers.Split(':')[0]}}": {{hostUsers.Split(':')[1].Trim()}}, "containers": [{"name": "c", "image": "i", "securityContext": {"procMount": "Unmasked"} }]} }]""";
        Assert.Equal(fails, Scan.Yaml(Snapshot(version, pod), "KH-POD-015").Fails("KH-POD-015").Count > 0);
    }

    [Theory(DisplayName = "KH-POD-015 procMount values")]
    [InlineData("{procMount: Default}", 0)]
    [InlineData("{procMount: Unmasked}", 1)]
    [InlineData("{procMount: Other}", 1)]
    [InlineData("{}", 0)]
    public void ProcMountValues(string containerSc, int failures) =>
        Assert.Equal(failures, Scan.Yaml(PodYaml("{}", containerSc), "KH-POD-015").Fails("KH-POD-015").Count);

    [Fact(DisplayName = "KH-POD-003: ports of a hostNetwork pod are tagged with their root cause")]
    public void HostPortRootCause()
    {
        var yaml = PodYaml(extraSpec: "hostNetwork: true").Replace("    securityContext: {}", "    ports: [{containerPort: 8080}]", StringComparison.Ordinal);
        var f = Assert.Single(Scan.Yaml(yaml, "KH-POD-003").Fails("KH-POD-003"));
        Assert.Contains("root cause: KH-POD-002", f.Message, StringComparison.Ordinal);
        Assert.Equal("port:TCP/8080", f.SubKey);
    }

    [Fact(DisplayName = "KH-POD-002: hostPID/hostIPC are ignored on Windows pods, hostNetwork is not")]
    public void HostNamespacesWindows()
    {
        var fs = Scan.Yaml(PodYaml(extraSpec: "os: {name: windows}\n  hostPID: true\n  hostIPC: true\n  hostNetwork: true"), "KH-POD-002").Fails("KH-POD-002");
        Assert.Equal("hostNetwork", Assert.Single(fs).SubKey);
    }

    [Theory(DisplayName = "KH-POD Linux-only checks are not applicable to Windows pods")]
    [InlineData("KH-POD-006")]
    [InlineData("KH-POD-007")]
    [InlineData("KH-POD-008")]
    [InlineData("KH-POD-009")]
    [InlineData("KH-POD-010")]
    [InlineData("KH-POD-011")]
    [InlineData("KH-POD-012")]
    public void WindowsNotApplicable(string checkId)
    {
        var report = Scan.Yaml(PodYaml("{runAsGroup: 0}", "{privileged: true, capabilities: {add: [SYS_ADMIN]}, seccompProfile: {type: Unconfined}}", "os: {name: windows}"), checkId);
        var s = report.Summary(checkId);
        Assert.Equal((0, 0, 1), (s.Pass, s.Fail, s.NotApplicable));
    }
}
