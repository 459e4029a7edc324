using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-018: no credentials in ConfigMaps (CATALOG.md §3).</summary>
public sealed class CredentialsInConfigMaps : Check
{
    // Well-known system ConfigMaps: certificate bundles and component configuration, never application secrets.
    private static readonly HashSet<string> SystemConfigMaps = new(StringComparer.Ordinal)
    {
        "kube-root-ca.crt", "openshift-service-ca.crt", "istio-ca-root-cert", "extension-apiserver-authentication",
        "cluster-info", "kubeadm-config", "kubelet-config", "kube-proxy", "coredns", "trusted-ca-bundle",
    };

    // Scanning stops after this many characters per value; ConfigMaps are limited to 1 MiB anyway.
    private const int MaxScanChars = 1 << 20;

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-018",
        Title = "No credentials in ConfigMaps",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Secrets",
        Target = CheckTarget.Object,
        Rationale = "ConfigMaps are not treated as confidential: they are readable by far more identities than Secrets, " +
                    "never encrypted at rest, and often committed to Git. Credentials inside them (passwords, tokens, " +
                    "private keys, also base64-encoded or inside configuration files) leak easily.",
        Remediation = "Move the value to a Secret (or an external secret store) and reference it; rotate the leaked credential.",
        FixYaml = """
            apiVersion: v1
            kind: Secret
            metadata: {name: smtp-creds, namespace: mail}
            type: Opaque
            stringData: {password: "<set by pipeline>"}
            """,
        References = new(["C-0012"], ["sensitiveConfigmapContent"], null, ["5.4.2"]),
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var scanner = context.NetworkPolicies.Credentials;
        foreach (var cm in context.OfKind("ConfigMap"))
        {
            if (context.IsExcluded(cm.Namespace))
            {
                results.Excluded(cm);
                continue;
            }

            if (SystemConfigMaps.Contains(cm.Name) || cm.Name.StartsWith("kubelet-config-", StringComparison.Ordinal))
            {
                results.NotApplicable(cm, "well-known system ConfigMap");
                continue;
            }

            if (IsCertificateBundle(cm))
            {
                results.NotApplicable(cm, "certificate bundle (public material)");
                continue;
            }

            var unit = results.Begin(cm);
            foreach (var p in cm.Json.Get("data").Props())
            {
                var value = p.Value.Str();
                if (!string.IsNullOrEmpty(value))
                {
                    ScanValue(scanner, unit, p.Name, Path("data", p.Name), value);
                }
            }

            foreach (var p in cm.Json.Get("binaryData").Props())
            {
                // binaryData is base64 by definition: only text payloads can be checked for token patterns.
                if (p.Value.Str() is { } b64 && CredentialScanner.TryDecodeBase64Text(b64) is { } text &&
                    scanner.CheckValue(Cap(text)) is { } hit)
                {
                    Report(unit, p.Name, Path("binaryData", p.Name), hit with { Reason = hit.Reason + " (base64-decoded)" }, $"binaryData:{p.Name}");
                }
            }
        }
    }

    private static void ScanValue(CredentialScanner scanner, Unit unit, string key, string path, string value)
    {
        value = Cap(value);
        var multiLine = value.Contains('\n');

        // A single-line value is a key/value pair of its own; a file's name says nothing about each of its lines.
        var hit = multiLine ? scanner.CheckValue(value) : scanner.CheckNameValue(key, value);
        if (hit is not null)
        {
            Report(unit, key, path, hit, "data:" + key);
            return;
        }

        if (!multiLine && CredentialScanner.TryDecodeBase64Text(value) is { } decoded && scanner.CheckValue(decoded) is { } b64Hit)
        {
            Report(unit, key, path, b64Hit with { Reason = b64Hit.Reason + " (base64-decoded)" }, "data:" + key);
            return;
        }

        var trimmed = value.TrimStart();
        if ((multiLine || trimmed.StartsWith('{') || trimmed.StartsWith('[')) && scanner.MayContainCredential(value))
        {
            foreach (var (inner, line, h) in scanner.CheckStructured(value))
            {
                var where = line is { } l ? $"line {l}, key \"{inner}\"" : $"key \"{inner}\"";
                unit.Fail($"ConfigMap key \"{key}\" ({where}) holds a literal credential ({h.Reason}): {h.Masked}",
                    path, h.Masked, key: $"data:{key}:{inner}");
            }
        }
    }

    private static void Report(Unit unit, string key, string path, CredentialHit hit, string fingerprintKey) =>
        unit.Fail($"ConfigMap key \"{key}\" holds a literal credential ({hit.Reason}): {hit.Masked}", path, hit.Masked, key: fingerprintKey);

    private static string Cap(string value) => value.Length > MaxScanChars ? value[..MaxScanChars] : value;

    private static bool IsCertificateBundle(KubeObject cm)
    {
        var any = false;
        foreach (var p in cm.Json.Get("data").Props())
        {
            var v = p.Value.Str() ?? "";
            if (v.Trim().Length == 0)
            {
                continue;
            }

            if (!v.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) || v.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                return false;
            }

            any = true;
        }

        return any && cm.Json.Get("binaryData").IsEmptyObjectOrMissing();
    }

    private static string Path(string field, string key)
    {
        foreach (var ch in key)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-'))
            {
                return $"{field}[\"{key.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"]";
            }
        }

        return field + "." + key;
    }
}
