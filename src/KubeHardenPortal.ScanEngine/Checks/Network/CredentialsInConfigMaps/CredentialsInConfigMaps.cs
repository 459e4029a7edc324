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

    /// <summary>One failure of a data entry; depends only on the entry's key and value, so it is computed once per pair.</summary>
    private sealed record EntryHit(string Message, string Path, string Masked, string FingerprintKey);

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var scanner = context.NetworkPolicies.Credentials;
        // Big clusters repeat the same entries in many namespaces; the loader interns strings, so equal keys and
        // values are the same instances and a reference-keyed cache skips re-scanning them (~7× fewer scans).
        var cache = new Dictionary<(string Key, string Value, bool Binary), EntryHit[]>(EntryComparer.Instance);
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
                    Report(unit, cache, (p.Name, value, false), scanner);
                }
            }

            foreach (var p in cm.Json.Get("binaryData").Props())
            {
                if (p.Value.Str() is { Length: > 0 } b64)
                {
                    Report(unit, cache, (p.Name, b64, true), scanner);
                }
            }
        }
    }

    private static void Report(Unit unit, Dictionary<(string, string, bool), EntryHit[]> cache, (string Key, string Value, bool Binary) entry,
        CredentialScanner scanner)
    {
        if (!cache.TryGetValue(entry, out var hits))
        {
            hits = entry.Binary ? ScanBinary(scanner, entry.Key, entry.Value) : ScanValue(scanner, entry.Key, entry.Value);
            cache[entry] = hits;
        }

        foreach (var h in hits)
        {
            unit.Fail(h.Message, h.Path, h.Masked, key: h.FingerprintKey);
        }
    }

    private static EntryHit[] ScanBinary(CredentialScanner scanner, string key, string b64)
    {
        // binaryData is base64 by definition: only text payloads can be checked for token patterns.
        if (scanner.CheckBase64Value(b64, MaxScanChars) is { } hit)
        {
            return [Hit(key, Path("binaryData", key), hit with { Reason = hit.Reason + " (base64-decoded)" }, $"binaryData:{key}")];
        }

        return [];
    }

    private static EntryHit[] ScanValue(CredentialScanner scanner, string key, string value)
    {
        value = Cap(value);
        var multiLine = value.Contains('\n');

        // A single-line value is a key/value pair of its own; a file's name says nothing about each of its lines.
        var hit = multiLine ? scanner.CheckValue(value) : scanner.CheckNameValue(key, value);
        if (hit is not null)
        {
            return [Hit(key, Path("data", key), hit, "data:" + key)];
        }

        if (!multiLine && scanner.CheckBase64Value(value) is { } b64Hit)
        {
            return [Hit(key, Path("data", key), b64Hit with { Reason = b64Hit.Reason + " (base64-decoded)" }, "data:" + key)];
        }

        var trimmed = value.AsSpan().TrimStart();
        if (!(multiLine || trimmed.StartsWith('{') || trimmed.StartsWith('[')) || !scanner.MayContainCredential(value))
        {
            return [];
        }

        var found = scanner.CheckStructured(value);
        if (found.Count == 0)
        {
            return [];
        }

        var path = Path("data", key);
        var hits = new EntryHit[found.Count];
        for (var i = 0; i < hits.Length; i++)
        {
            var x = found[i];
            hits[i] = new EntryHit(
                $"ConfigMap key \"{key}\" ({(x.Line is { } l ? $"line {l}, key \"{x.Key}\"" : $"key \"{x.Key}\"")}) holds a literal credential ({x.Hit.Reason}): {x.Hit.Masked}",
                path, x.Hit.Masked, $"data:{key}:{x.Key}");
        }

        return hits;
    }

    private static EntryHit Hit(string key, string path, CredentialHit hit, string fingerprintKey) =>
        new($"ConfigMap key \"{key}\" holds a literal credential ({hit.Reason}): {hit.Masked}", path, hit.Masked, fingerprintKey);

    /// <summary>Reference identity first (interned strings), content equality as the fallback so correctness never depends on interning.</summary>
    private sealed class EntryComparer : IEqualityComparer<(string Key, string Value, bool Binary)>
    {
        public static readonly EntryComparer Instance = new();

        public bool Equals((string Key, string Value, bool Binary) x, (string Key, string Value, bool Binary) y) =>
            x.Binary == y.Binary &&
            (ReferenceEquals(x.Key, y.Key) || string.Equals(x.Key, y.Key, StringComparison.Ordinal)) &&
            (ReferenceEquals(x.Value, y.Value) || string.Equals(x.Value, y.Value, StringComparison.Ordinal));

        public int GetHashCode((string Key, string Value, bool Binary) e) =>
            HashCode.Combine(string.GetHashCode(e.Key, StringComparison.Ordinal), string.GetHashCode(e.Value, StringComparison.Ordinal), e.Binary);
    }

    private static string Cap(string value) => value.Length > MaxScanChars ? value[..MaxScanChars] : value;

    private static bool IsCertificateBundle(KubeObject cm)
    {
        var any = false;
        foreach (var p in cm.Json.Get("data").Props())
        {
            var v = p.Value.Str() ?? "";
            if (v.AsSpan().Trim().IsEmpty)
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
