using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>Cluster facts several Auth checks read (anonymous auth, versions, namespace tags).</summary>
internal static class AuthFacts
{
    public const string PsaEnforceLabel = "pod-security.kubernetes.io/enforce";

    /// <summary>
    /// Whether the API server rejects anonymous requests: true when the unauthenticated probe got 401, or every
    /// visible kube-apiserver sets --anonymous-auth=false; false when a probe or a flag shows anonymous is
    /// accepted; null when neither is known (managed control plane without probe, manifests, structured config).
    /// </summary>
    public static bool? AnonymousAuthDisabled(ScanContext context)
    {
        switch (context.Snapshot.AnonymousApiProbeStatus)
        {
            case 401:
                return true;
            case 200 or 403:
                return false;
        }

        var cp = context.ControlPlane;
        if (cp.IsManaged || cp.ApiServers.Count == 0)
        {
            return null;
        }

        var anyUnknown = false;
        foreach (var api in cp.ApiServers)
        {
            var flag = api["anonymous-auth"];
            if (string.Equals(flag, "false", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (flag is null && api.Has("authentication-config"))
            {
                anyUnknown = true; // the structured configuration file decides
                continue;
            }

            return false;
        }

        return anyUnknown ? null : true;
    }

    /// <summary>The server version, or the tag of a visible kube-apiserver image (static pod manifests).</summary>
    public static KubeVersion? Version(ScanContext context)
    {
        if (context.ServerVersion is { } v)
        {
            return v;
        }

        foreach (var api in context.ControlPlane.ApiServers)
        {
            var image = api.Container.Json.Str("image");
            var colon = image?.LastIndexOf(':') ?? -1;
            if (colon > 0 && KubeVersion.Parse(image![(colon + 1)..]) is { } fromImage)
            {
                return fromImage;
            }
        }

        return null;
    }

    /// <summary>A feature gate as set on every visible kube-apiserver (--feature-gates=A=true,B=false); null when not set.</summary>
    public static bool? ApiServerFeatureGate(ScanContext context, string gate)
    {
        bool? result = null;
        foreach (var api in context.ControlPlane.ApiServers)
        {
            foreach (var pair in api.List("feature-gates"))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0 && pair[..eq].Trim() == gate && bool.TryParse(pair[(eq + 1)..].Trim(), out var on))
                {
                    result = result is false ? false : on; // one server with the gate off is enough
                }
            }
        }

        return result;
    }

    /// <summary>Namespaces whose Namespace object carries one of the tenant's production labels.</summary>
    public static IReadOnlySet<string> ProductionNamespaces(ScanContext context)
    {
        var wanted = context.Options.ProductionNamespaceLabels
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .Select(p => (Key: p[0].Trim(), Value: p[1].Trim()))
            .ToList();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in context.OfKind("Namespace"))
        {
            foreach (var (key, value) in wanted)
            {
                if (ns.Labels.TryGetValue(key, out var v) && string.Equals(v, value, StringComparison.OrdinalIgnoreCase))
                {
                    result.Add(ns.Name);
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The Pod Security Admission enforce level of a namespace: the label value, "" when the Namespace object has
    /// none (privileged by default), null when the Namespace object is not in the input.
    /// </summary>
    public static string? PsaEnforceLevel(ScanContext context, string ns)
    {
        var obj = context.Find("Namespace", null, ns);
        if (obj is null)
        {
            return null;
        }

        return obj.Labels.TryGetValue(PsaEnforceLabel, out var level) ? level : "";
    }

    /// <summary>True when PSA would admit privileged pods in the namespace (label unset or "privileged").</summary>
    public static bool IsPsaPermissive(string? level) => level is "" or "privileged";

    public static Severity Lower(Severity s) => s == Severity.Low ? Severity.Low : s - 1;
}
