using KubeHardenPortal.ScanEngine.Checks.Pod;
using KubeHardenPortal.ScanEngine.Tests.Support;
using static KubeHardenPortal.ScanEngine.Tests.Checks.Pod.PodTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Pod;

/// <summary>KH-POD-016: labels, compensating engines, cluster-wide defaults and the PodSecurity plugin (rule 5).</summary>
public sealed class PodSecurityAdmissionTests
{
    private static string ApiServer(params string[] flags)
    {
        var command = string.Concat(flags.Select(f => ", \"" + f + "\""));
        return """
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kube-apiserver-cp1", "namespace": "kube-system",
              "labels": {"component": "kube-apiserver", "tier": "control-plane"}},
             "spec": {"containers": [{"name": "kube-apiserver", "image": "k", "command": ["kube-apiserver"FLAGS]}]}}
            """.Replace("FLAGS", command, StringComparison.Ordinal);
    }

    private static string Namespace(string? enforce) => enforce is null
        ? """{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}}"""
        : $$"""{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments", "labels": {"pod-security.kubernetes.io/enforce": "{{enforce}}"} } }""";

    private static (int Pass, int Fail, int Unknown, int Na) Run(string version, string visibility, params string[] objects)
    {
        var report = Scan.Yaml(Snapshot(version, "[" + string.Join(",", objects) + "]", visibility: visibility), "KH-POD-016");
        var s = report.Summary("KH-POD-016");
        return (s.Pass, s.Fail, s.Unknown, s.NotApplicable);
    }

    // (enforce label, API server flags) → namespace unit + API server unit.
    [Theory(DisplayName = "KH-POD-016 namespace labels with a visible API server")]
    [InlineData("restricted", "", 2, 0, 0)]
    [InlineData("baseline", "", 2, 0, 0)]
    [InlineData("Restricted", "", 2, 0, 0)] // unparseable: PSA falls back to restricted
    [InlineData("privileged", "", 1, 1, 0)]
    [InlineData(null, "", 1, 1, 0)]
    [InlineData(null, "--admission-control-config-file=/etc/kubernetes/psa.yaml", 1, 0, 1)]
    [InlineData("privileged", "--admission-control-config-file=/etc/kubernetes/psa.yaml", 1, 1, 0)]
    [InlineData("restricted", "--disable-admission-plugins=PodSecurity", 0, 2, 0)]
    [InlineData("restricted", "--enable-admission-plugins=NodeRestriction,PodSecurity", 2, 0, 0)]
    public void Labels(string? enforce, string flag, int pass, int fail, int unknown)
    {
        var flags = flag.Length == 0 ? [] : new[] { flag };
        Assert.Equal((pass, fail, unknown, 0), Run("v1.31.0", "auto", Namespace(enforce), ApiServer(flags)));
    }

    [Fact(DisplayName = "KH-POD-016: invisible flags never pass the cluster rule (managed control plane)")]
    public void ManagedControlPlane() => Assert.Equal((1, 0, 1, 0), Run("v1.31.0", "managed", Namespace("restricted")));

    [Fact(DisplayName = "KH-POD-016: HA API servers are evaluated one by one; one without PodSecurity un-enforces labels")]
    public void HighAvailability()
    {
        var second = ApiServer("--disable-admission-plugins=PodSecurity").Replace("kube-apiserver-cp1", "kube-apiserver-cp2", StringComparison.Ordinal);
        Assert.Equal((1, 2, 0, 0), Run("v1.31.0", "auto", Namespace("baseline"), ApiServer(), second));
    }

    [Theory(DisplayName = "KH-POD-016: no Pod Security Admission before 1.23")]
    [InlineData("v1.22.17", 0, 0, 1)]
    [InlineData("v1.23.0", 2, 0, 0)]
    public void Versions(string version, int pass, int unknown, int na) =>
        Assert.Equal((pass, 0, unknown, na), Run(version, "auto", Namespace("baseline"), ApiServer()));

    private const string Kyverno = """
        {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "pss"},
         "spec": {ACTION "rules": [{"name": "r", "match": MATCH, "exclude": EXCLUDE, "validate": {"podSecurity": {"level": "LEVEL"}}}]}}
        """;

    [Theory(DisplayName = "KH-POD-016 Kyverno compensation")]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{}", "baseline", true)]
    [InlineData("\"validationFailureAction\": \"enforce\",", "{\"resources\": {\"kinds\": [\"Pod\"]}}", "{}", "restricted", true)]
    [InlineData("\"validationFailureAction\": \"Audit\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{}", "baseline", false)]
    [InlineData("", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{}", "baseline", false)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{}", "privileged", false)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Deployment\"]}}]}", "{}", "baseline", false)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"], \"selector\": {\"matchLabels\": {\"a\": \"b\"}}}}]}", "{}", "baseline", false)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"], \"namespaces\": [\"pay*\"]}}]}", "{}", "baseline", true)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"], \"namespaces\": [\"shop\"]}}]}", "{}", "baseline", false)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{\"any\": [{\"resources\": {\"namespaces\": [\"payments\"]}}]}", "baseline", false)]
    [InlineData("\"validationFailureAction\": \"Enforce\",", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{\"any\": [{\"subjects\": [{\"kind\": \"User\", \"name\": \"ci\"}], \"resources\": {\"namespaces\": [\"payments\"]}}]}", "baseline", true)]
    [InlineData("\"validationFailureAction\": \"Enforce\", \"validationFailureActionOverrides\": [{\"action\": \"Audit\", \"namespaces\": [\"payments\"]}],", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{}", "baseline", false)]
    [InlineData("\"validationFailureAction\": \"Audit\", \"validationFailureActionOverrides\": [{\"action\": \"Enforce\", \"namespaces\": [\"payments\"]}],", "{\"any\": [{\"resources\": {\"kinds\": [\"Pod\"]}}]}", "{}", "baseline", true)]
    public void KyvernoCompensation(string action, string match, string exclude, string level, bool compensated)
    {
        var policy = Kyverno.Replace("ACTION", action, StringComparison.Ordinal).Replace("MATCH", match, StringComparison.Ordinal)
            .Replace("EXCLUDE", exclude, StringComparison.Ordinal).Replace("LEVEL", level, StringComparison.Ordinal);
        var (pass, fail, _, _) = Run("v1.31.0", "auto", Namespace(null), ApiServer(), policy);
        Assert.Equal(compensated ? (2, 0) : (1, 1), (pass, fail));
    }

    private static string Constraint(string kind, string spec) =>
        $$"""{"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "{{kind}}", "metadata": {"name": "{{kind.ToLowerInvariant()}}"}, "spec": {{spec}} }""";

    [Theory(DisplayName = "KH-POD-016 Gatekeeper compensation")]
    [InlineData("{}", true)]
    [InlineData("{\"enforcementAction\": \"deny\"}", true)]
    [InlineData("{\"enforcementAction\": \"warn\"}", false)]
    [InlineData("{\"enforcementAction\": \"scoped\", \"scopedEnforcementActions\": [{\"action\": \"deny\", \"enforcementPoints\": [{\"name\": \"validation.gatekeeper.sh\"}]}]}", true)]
    [InlineData("{\"enforcementAction\": \"scoped\", \"scopedEnforcementActions\": [{\"action\": \"deny\", \"enforcementPoints\": [{\"name\": \"audit.gatekeeper.sh\"}]}]}", false)]
    [InlineData("{\"match\": {\"excludedNamespaces\": [\"pay*\"]}}", false)]
    [InlineData("{\"match\": {\"namespaces\": [\"payments\"]}}", true)]
    [InlineData("{\"match\": {\"kinds\": [{\"apiGroups\": [\"apps\"], \"kinds\": [\"Deployment\"]}]}}", false)]
    [InlineData("{\"match\": {\"labelSelector\": {\"matchLabels\": {\"a\": \"b\"}}}}", false)]
    public void GatekeeperCompensation(string capabilitiesSpec, bool compensated)
    {
        var objects = PolicyEngines.GatekeeperBaselineKinds
            .Select(k => Constraint(k, k == "K8sPSPCapabilities" ? capabilitiesSpec : "{}"))
            .Append(Namespace(null)).Append(ApiServer()).ToArray();
        var (pass, fail, _, _) = Run("v1.31.0", "auto", objects);
        Assert.Equal(compensated ? (2, 0) : (1, 1), (pass, fail));
    }

    [Fact(DisplayName = "KH-POD-016: Gatekeeper Config exemptions and the ignore label remove coverage")]
    public void GatekeeperExemptions()
    {
        var constraints = PolicyEngines.GatekeeperBaselineKinds.Select(k => Constraint(k, "{}")).ToList();
        const string config = """
            {"apiVersion": "config.gatekeeper.sh/v1alpha1", "kind": "Config", "metadata": {"name": "config", "namespace": "gatekeeper-system"},
             "spec": {"match": [{"excludedNamespaces": ["payments"], "processes": ["*"]}]}}
            """;
        // gatekeeper-system itself stays covered (pass), payments is exempt (fail), plus the API server (pass).
        Assert.Equal((2, 1, 0, 0), Run("v1.31.0", "auto", [.. constraints, Namespace(null), ApiServer(), config]));
        const string ignored = """{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments", "labels": {"admission.gatekeeper.sh/ignore": "no-self-managing"}}}""";
        Assert.Equal((1, 1, 0, 0), Run("v1.31.0", "auto", [.. constraints, ignored, ApiServer()]));
    }

    [Theory(DisplayName = "KH-POD-016 namespace glob")]
    [InlineData("kube-*", "kube-system", true)]
    [InlineData("*-system", "kube-system", true)]
    [InlineData("pay?ents", "payments", true)]
    [InlineData("pay", "payments", false)]
    [InlineData("*", "", true)]
    public void Glob(string pattern, string text, bool matches) => Assert.Equal(matches, PolicyEngines.Glob(pattern, text));

    [Fact(DisplayName = "KH-POD-016: Gatekeeper constraints in manifests are cluster-scoped (no implicit \"default\" namespace)")]
    public void ConstraintsAreClusterScoped()
    {
        var obj = new KubeHardenPortal.ScanEngine.Model.KubeObject(KubeHardenPortal.ScanEngine.Model.CompactJson.Parse(
            """{"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels", "metadata": {"name": "x", "namespace": "ignored"}}"""), null);
        Assert.Null(obj.Namespace);
        Assert.False(obj.NamespaceImplicit);
    }
}
