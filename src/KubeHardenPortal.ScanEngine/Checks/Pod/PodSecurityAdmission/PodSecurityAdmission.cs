using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>
/// KH-POD-016: Pod Security Admission enforced per namespace (CATALOG.md §2). Units: every namespace (rules 1–4, with
/// the same manifest/coverage handling as <see cref="NamespaceCheck"/>) and every visible kube-apiserver (rule 5, the
/// PodSecurity plugin); when no API server flags are visible, one cluster-level Unknown stands for rule 5.
/// </summary>
public sealed class PodSecurityAdmission : Check
{
    internal const string EnforceLabel = "pod-security.kubernetes.io/enforce";

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-016",
        Title = "Pod Security Admission enforced per namespace",
        Severity = Severity.High,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Pod security enforcement (Pod Security Admission replaces PodSecurityPolicy; admission controllers as policy gate)",
        Target = CheckTarget.Namespace,
        Rationale = "Without an enforcing admission policy, anyone who may create pods in a namespace can create a " +
                    "privileged pod and take over its node. Pod Security Admission (or an equivalent policy engine) " +
                    "stops such pods before they run.",
        Remediation = "Label every namespace with pod-security.kubernetes.io/enforce: restricted (baseline at least), with " +
                      "matching warn and audit labels, and keep the PodSecurity admission plugin enabled.",
        FixYaml = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: payments
              labels:
                pod-security.kubernetes.io/enforce: restricted
                pod-security.kubernetes.io/enforce-version: latest
                pod-security.kubernetes.io/warn: restricted
                pod-security.kubernetes.io/audit: restricted
            """,
        References = new(["C-0192"], [], "all", ["5.2.1"]),
        Collectors = ['b', 'd'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        if (context.ServerVersion is { } v && !v.AtLeast(1, 23))
        {
            var reason = $"Kubernetes {v} has no Pod Security Admission (alpha in 1.22, on by default from 1.23): upgrade (KH-UPG-001)";
            foreach (var ns in context.Namespaces)
            {
                if (context.IsExcluded(ns.Name))
                {
                    results.Excluded(ns.Ref);
                }
                else
                {
                    results.Begin(ns.Ref, ns.Object?.Source).NotApplicable(reason);
                }
            }

            return;
        }

        var (pluginOff, defaultsHidden) = EvaluateApiServers(context, results);
        var engines = new PolicyEngines(context);
        var namespacesComplete = context.Snapshot.IsComplete("namespaces");
        var oldestSupported = OldestSupportedMinor(context);
        foreach (var ns in context.Namespaces)
        {
            if (context.IsExcluded(ns.Name))
            {
                results.Excluded(ns.Ref);
                continue;
            }

            if (context.IsManifestScan && ns.Object is null)
            {
                results.Unknown(ns.Ref, $"Namespace \"{ns.Name}\" is not declared in the scanned input, so its labels are unknown");
                continue;
            }

            if (!namespacesComplete)
            {
                results.Unknown(ns.Ref, "not collected: namespaces", ns.Object?.Source);
                continue;
            }

            EvaluateNamespace(ns, results.Begin(ns.Ref, ns.Object?.Source), engines, pluginOff, defaultsHidden, oldestSupported);
        }
    }

    /// <summary>Rule 5 per API server. Returns whether some API server runs without PodSecurity, and whether cluster-wide defaults are configured.</summary>
    private static (string? PluginOff, bool DefaultsHidden) EvaluateApiServers(ScanContext context, CheckResults results)
    {
        var cp = context.ControlPlane;
        if (cp.ApiServers.Count == 0 || cp.IsManaged)
        {
            results.Unknown(context.ClusterRef, "PodSecurity admission plugin: " + (cp.UnavailableReason ?? "kube-apiserver flags are not visible"));
            return (null, false);
        }

        string? off = null;
        var defaultsHidden = false;
        foreach (var api in cp.ApiServers)
        {
            var unit = results.Begin(api.Pod);
            defaultsHidden |= api.Has("admission-control-config-file");
            var (enabled, legacy) = AdmissionPlugins.Effective(api, context.ServerVersion);
            if (enabled.Contains("PodSecurity"))
            {
                continue;
            }

            var how = legacy ? "missing from the deprecated --admission-control list"
                : "listed in --disable-admission-plugins";
            var flag = legacy ? "admission-control" : "disable-admission-plugins";
            unit.Fail($"kube-apiserver {api.Pod.Name} runs without the PodSecurity admission plugin ({how}): namespace labels are not enforced",
                api.EvidencePath, $"--{flag}={api[flag]}", api.Container, key: "PodSecurityPlugin");
            off ??= api.Pod.Name;
        }

        return (off, defaultsHidden);
    }

    /// <summary>The oldest minor still in upstream support at the scan date (release table), for rule 6.</summary>
    private static KubeVersion? OldestSupportedMinor(ScanContext context)
    {
        var today = DateOnly.FromDateTime(context.Options.Now.UtcDateTime);
        KubeVersion? oldest = null;
        foreach (var r in (context.Options.KubernetesReleases ?? KubernetesReleaseTable.Embedded).Releases)
        {
            if (r.EndOfLife >= today && r.Version is { } v && (oldest is null || v < oldest.Value))
            {
                oldest = v;
            }
        }

        return oldest;
    }

    /// <summary>Rules 2 and 6: advisories on a namespace PSA enforces; they never change its result.</summary>
    private static void AdviseEnforced(NamespaceInfo ns, Unit unit, IReadOnlyDictionary<string, string> labels, string enforce, KubeVersion? oldestSupported)
    {
        if (enforce == "baseline")
        {
            unit.Advise($"namespace {ns.Name} enforces Pod Security baseline: move to restricted (try warn/audit: restricted first)",
                $"metadata.labels['{EnforceLabel}']", enforce, key: "restricted");
        }

        const string versionLabel = EnforceLabel + "-version";
        if (labels.TryGetValue(versionLabel, out var ver) && ver != "latest" && KubeVersion.Parse(ver) is { } pinned &&
            oldestSupported is { } oldest && (pinned.Major, pinned.Minor).CompareTo((oldest.Major, oldest.Minor)) < 0)
        {
            unit.Advise($"namespace {ns.Name} pins the enforced policy to {ver}, older than the oldest supported minor " +
                        $"v{oldest.Major}.{oldest.Minor}: newer pod-security rules are not applied", $"metadata.labels['{versionLabel}']", ver, key: "enforce-version");
        }

        foreach (var mode in new[] { "warn", "audit" })
        {
            var label = "pod-security.kubernetes.io/" + mode;
            if (!labels.ContainsKey(label))
            {
                unit.Advise($"namespace {ns.Name} has no {label} label: set it (e.g. restricted) so violations of a stricter level are " +
                            (mode == "warn" ? "shown to users" : "recorded in the audit log"), "metadata.labels", null, key: mode);
            }
        }
    }

    private static void EvaluateNamespace(NamespaceInfo ns, Unit unit, PolicyEngines engines, string? pluginOff, bool defaultsHidden,
        KubeVersion? oldestSupported)
    {
        var labels = ns.Object?.Labels ?? KubeObject.EmptyMap;
        var path = $"metadata.labels['{EnforceLabel}']";
        labels.TryGetValue(EnforceLabel, out var enforce);
        var covering = engines.Covering(ns.Name, labels);
        if (covering is not null)
        {
            return; // PASS (compensated)
        }

        // PSA treats an unparseable enforce level as restricted (fails closed), so only "privileged" or absence is open.
        var enforced = enforce is not null && enforce != "privileged";
        if (enforced)
        {
            AdviseEnforced(ns, unit, labels, enforce!, oldestSupported);
            if (pluginOff is not null)
            {
                unit.Fail($"namespace {ns.Name} is labelled enforce: {enforce}, but kube-apiserver {pluginOff} runs without the " +
                          "PodSecurity admission plugin, so the label is not enforced", path, enforce, key: "enforce");
            }

            return;
        }

        if (engines.Unreadable is { } unreadable)
        {
            unit.Unknown($"namespace {ns.Name} does not enforce Pod Security Admission and compensating policies cannot be ruled out: {unreadable}");
            return;
        }

        if (enforce is null && defaultsHidden)
        {
            unit.Unknown($"namespace {ns.Name} has no {EnforceLabel} label and kube-apiserver sets --admission-control-config-file, " +
                         "whose cluster-wide PodSecurity defaults are not visible (attest them)");
            return;
        }

        var gaps = engines.GatekeeperGaps(ns.Name, labels);
        var partial = gaps.Count > 0 ? $" (Gatekeeper does not deny here with: {string.Join(", ", gaps)})" : "";
        var message = enforce is null
            ? $"namespace {ns.Name} has no {EnforceLabel} label and no recognised policy engine enforces pod security there{partial}"
            : $"namespace {ns.Name} is labelled {EnforceLabel}: privileged, which enforces nothing{partial}";
        unit.Fail(message, path, enforce ?? "<unset>", key: "enforce");
    }
}
