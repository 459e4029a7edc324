using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Tests.Support;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Pod;

/// <summary>Small builders for the Pod group's tests: one-container pods and ClusterSnapshot documents.</summary>
internal static class PodTestSupport
{
    public const string AllCollected = """
        [{"resource": "namespaces", "status": "collected"}, {"resource": "pods", "status": "collected"},
         {"resource": "serviceaccounts", "status": "collected"},
         {"resource": "rolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"},
         {"resource": "clusterrolebindings", "group": "rbac.authorization.k8s.io", "status": "collected"}]
        """;

    /// <summary>A Pod in namespace "apps" with one container "c"; the fragments are YAML flow mappings (may be empty).</summary>
    public static string PodYaml(string podSecurityContext = "{}", string containerSecurityContext = "{}", string extraSpec = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: apps}
        spec:
          {{extraSpec}}
          securityContext: {{podSecurityContext}}
          containers:
          - name: c
            image: registry.example.org/app:1.0.0
            securityContext: {{containerSecurityContext}}
        """;

    /// <summary>A ClusterSnapshot document (JSON is YAML, so Scan.Yaml loads it).</summary>
    public static string Snapshot(string version, string objects, string coverage = AllCollected, string nodes = "[]",
        string visibility = "managed") => $$"""
        {"apiVersion": "kubeharden.io/v1", "kind": "ClusterSnapshot",
         "cluster": {"name": "c1", "serverVersion": {"gitVersion": "{{version}}"} },
         "coverage": {{coverage}}, "objects": {{objects}}, "nodes": {{nodes}}, "controlPlane": {"visibility": "{{visibility}}"} }
        """;

    public static CheckSummary Summary(this ScanReport report, string checkId) => report.Checks.Single(c => c.Definition.Id == checkId);

    public static List<Finding> Fails(this ScanReport report, string checkId) => report.Failures(checkId).ToList();

    public static List<Finding> Unknowns(this ScanReport report, string checkId) =>
        report.Findings.Where(f => f.CheckId == checkId && f.Status == ResultStatus.Unknown).ToList();
}
