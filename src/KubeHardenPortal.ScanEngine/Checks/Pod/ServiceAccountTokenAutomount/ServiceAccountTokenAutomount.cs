using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>KH-POD-013: service account token automount only when needed (CATALOG.md §2).</summary>
public sealed class ServiceAccountTokenAutomount : WorkloadCheck
{
    /// <summary>Audiences that mean "the Kubernetes API server" besides the server's own --api-audiences/issuer.</summary>
    private static readonly string[] WellKnownApiAudiences =
    [
        "https://kubernetes.default.svc", "https://kubernetes.default.svc.cluster.local", "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local", "api",
    ];

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-013",
        Title = "Service account token automount only when needed",
        Severity = Severity.Medium,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Protecting Pod service account tokens",
        Target = CheckTarget.PodSpec,
        Rationale = "An automounted token lets anyone who compromises the container call the API server as the pod's " +
                    "ServiceAccount. Most applications never call the API, so the token is pure attack surface.",
        Remediation = "Set automountServiceAccountToken: false on the ServiceAccount and opt in per workload that calls the API.",
        FixYaml = """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: web}
            automountServiceAccountToken: false
            """,
        References = new(["C-0034", "C-0190"], ["automountServiceAccountToken"], null, ["5.1.6"]),
        Collectors = ['a', 'c'],
    };

    protected override bool AppliesToWindows => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        var accounts = ServiceAccountBindings.For(context);
        var automount = Resolve(workload, accounts);
        var projected = automount.Mounted == true ? null : ProjectedApiToken(context, workload);
        if (automount.Mounted == false && projected is null)
        {
            AdviseOtherAudienceTokens(context, workload, unit);
            return;
        }

        if (automount.Mounted is null && projected is null)
        {
            unit.Unknown(automount.Why);
            return;
        }

        var ns = workload.Namespace ?? "default";
        var sa = workload.ServiceAccountName;
        var (severity, bindings) = SeverityOf(accounts, ns, sa);
        if (automount.Mounted == true)
        {
            unit.Fail($"the ServiceAccount token of \"{sa}\" is automounted: {automount.Why}{bindings}",
                workload.Path("automountServiceAccountToken"), automount.Observed, severity: severity, key: "automount");
            return;
        }

        unit.Fail($"volume \"{projected!.Value.Volume}\" projects a ServiceAccount token for the API server audience, which is " +
                  $"equivalent to automounting it{bindings}", projected.Value.Path, projected.Value.Audience, severity: severity, key: "projectedToken");
    }

    /// <summary>Effective automount: pod setting, else the ServiceAccount's, else true (also when the SA is missing).</summary>
    internal static (bool? Mounted, string Why, string Observed) Resolve(Workload workload, ServiceAccountBindings accounts)
    {
        var pod = workload.PodSpec.Bool("automountServiceAccountToken");
        if (pod is { } p)
        {
            return (p, $"the pod sets automountServiceAccountToken: {(p ? "true" : "false")}", p ? "true" : "false");
        }

        var ns = workload.Namespace ?? "default";
        var name = workload.ServiceAccountName;
        var sa = accounts.Account(ns, name);
        if (sa is not null)
        {
            return sa.Json.Bool("automountServiceAccountToken") is { } s
                ? (s, $"the pod leaves it unset and ServiceAccount {ns}/{name} sets automountServiceAccountToken: {(s ? "true" : "false")}", "<unset>")
                : (true, $"neither the pod nor ServiceAccount {ns}/{name} sets automountServiceAccountToken (default true)", "<unset>");
        }

        if (!accounts.AccountsComplete)
        {
            return (null, $"ServiceAccounts were not collected, so the automount setting of {ns}/{name} is unknown", "<unset>");
        }

        return (true, $"the pod leaves it unset and ServiceAccount {ns}/{name} is not in the input (assumed default true)", "<unset>");
    }

    internal static (Severity, string) SeverityOf(ServiceAccountBindings accounts, string ns, string sa)
    {
        if (!accounts.BindingsComplete)
        {
            return (Severity.Medium, "; RoleBindings/ClusterRoleBindings were not collected, so its permissions are unknown");
        }

        var grants = accounts.Meaningful(ns, sa);
        if (grants.Count == 0)
        {
            return (Severity.Low, "; the ServiceAccount has no RoleBinding or ClusterRoleBinding");
        }

        var shown = string.Join(", ", grants.Take(3).Select(g => g.Describe()));
        return (Severity.Medium, $"; the ServiceAccount is bound by {shown}{(grants.Count > 3 ? $" and {grants.Count - 3} more" : "")}");
    }

    /// <summary>Catalog edge case: a projected token for another audience is intentional token use, a pass with a note.</summary>
    private static void AdviseOtherAudienceTokens(ScanContext context, Workload workload, Unit unit)
    {
        foreach (var t in ProjectedTokens(workload))
        {
            var audience = t.Token.Str("audience");
            if (!string.IsNullOrEmpty(audience) && !IsApiServerAudience(context, audience))
            {
                unit.Advise($"volume \"{t.Volume.Str("name")}\" projects a ServiceAccount token for audience {audience} (not the API server): " +
                            "intentional token use; make sure that audience's verifier is the only consumer",
                    t.Path + ".audience", audience, key: $"projectedToken:{t.VolumeIndex}:{t.SourceIndex}");
            }
        }
    }

    /// <summary>A manually projected token whose audience is the API server (unset audience = the API server's).</summary>
    internal static (string Volume, string Path, string Audience)? ProjectedApiToken(ScanContext context, Workload workload)
    {
        foreach (var t in ProjectedTokens(workload))
        {
            var audience = t.Token.Str("audience");
            if (string.IsNullOrEmpty(audience) || IsApiServerAudience(context, audience))
            {
                return (t.Volume.Str("name") ?? $"#{t.VolumeIndex}", t.Path, string.IsNullOrEmpty(audience) ? "<unset: API server audience>" : audience);
            }
        }

        return null;
    }

    /// <summary>Every serviceAccountToken source of every projected volume, with its evidence path.</summary>
    private static IEnumerable<(CompactJson Volume, int VolumeIndex, int SourceIndex, CompactJson Token, string Path)> ProjectedTokens(Workload workload)
    {
        var v = 0;
        foreach (var volume in workload.PodSpec.Items("volumes"))
        {
            var vi = v++;
            var s = 0;
            foreach (var source in volume.Get("projected").Items("sources"))
            {
                var si = s++;
                var token = source.Get("serviceAccountToken");
                if (token.Exists())
                {
                    yield return (volume, vi, si, token, workload.Path($"volumes[{vi}].projected.sources[{si}].serviceAccountToken"));
                }
            }
        }
    }

    private static bool IsApiServerAudience(ScanContext context, string audience)
    {
        if (WellKnownApiAudiences.Contains(audience, StringComparer.Ordinal))
        {
            return true;
        }

        foreach (var api in context.ControlPlane.ApiServers)
        {
            if (api.List("api-audiences").Contains(audience, StringComparer.Ordinal) || api.List("service-account-issuer").Contains(audience, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
