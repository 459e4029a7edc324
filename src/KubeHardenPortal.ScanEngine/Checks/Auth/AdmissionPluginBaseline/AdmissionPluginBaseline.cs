using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>
/// KH-AUTH-014: admission plugin baseline (CATALOG.md §4). Effective set = version defaults ∪ enabled − disabled,
/// or exactly the legacy --admission-control list. The multi-tenant advisories (EventRateLimit, AlwaysPullImages) are
/// not failures; ImagePolicyWebhook belongs to KH-IMG-004.
/// </summary>
public sealed class AdmissionPluginBaseline : ApiServerFlagCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-014",
        Title = "Admission plugin baseline",
        Severity = Severity.Medium,
        Section = GuideSections.Authentication,
        GuideReference = "Pod security → admission controllers as enforcement point; Authentication and authorization (node isolation)",
        Target = CheckTarget.ControlPlane,
        Rationale = "Admission plugins enforce what RBAC cannot: NodeRestriction stops a kubelet from editing other nodes and " +
                    "their pods, PodSecurity enforces the Pod Security Standards, ServiceAccount and NamespaceLifecycle keep " +
                    "token and namespace semantics sound. AlwaysAdmit disables admission control altogether.",
        Remediation = "Enable NodeRestriction (kubeadm does; it is not a default), keep PodSecurity, ServiceAccount and " +
                      "NamespaceLifecycle on, and never enable AlwaysAdmit. Multi-tenant clusters should also consider " +
                      "EventRateLimit and AlwaysPullImages.",
        FixYaml = """
            - --enable-admission-plugins=NodeRestriction
            """,
        References = new(["C-0121", "C-0122", "C-0123", "C-0124", "C-0125", "C-0126", "C-0127"], [], null,
            ["1.2.9", "1.2.10", "1.2.11", "1.2.12", "1.2.13", "1.2.14"]),
        Collectors = ['d', 'f'],
    };

    protected override void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit)
    {
        var version = AuthFacts.Version(context);
        var (enabled, legacy) = AdmissionPlugins.Effective(apiServer, version);
        var observed = legacy
            ? "--admission-control=" + apiServer["admission-control"]
            : $"--enable-admission-plugins={apiServer["enable-admission-plugins"] ?? "<unset>"} --disable-admission-plugins={apiServer["disable-admission-plugins"] ?? "<unset>"}";
        var how = legacy ? " (the legacy --admission-control flag enables exactly the plugins it lists)" : "";
        var path = apiServer.EvidencePath;

        if (enabled.Contains("AlwaysAdmit"))
        {
            unit.Fail("admission plugin AlwaysAdmit is enabled: it admits every request and defeats admission control" + how,
                path, observed, key: "AlwaysAdmit");
        }

        if (!enabled.Contains("NodeRestriction"))
        {
            unit.Fail("admission plugin NodeRestriction is not enabled (it is not a default): kubelets can modify other nodes and their pods" + how,
                path, observed, key: "NodeRestriction");
        }

        if ((version is null || version.Value.AtLeast(1, 23)) && !enabled.Contains("PodSecurity"))
        {
            unit.Fail("admission plugin PodSecurity is disabled: Pod Security Admission labels are not enforced" + how,
                path, observed, key: "PodSecurity");
        }

        foreach (var plugin in (string[])["ServiceAccount", "NamespaceLifecycle"])
        {
            if (!enabled.Contains(plugin))
            {
                unit.Fail($"admission plugin {plugin} is disabled" + how, path, observed, key: plugin);
            }
        }
    }
}
