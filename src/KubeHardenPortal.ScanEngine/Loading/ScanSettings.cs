using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using KubeHardenPortal.ScanEngine.Evaluation;

namespace KubeHardenPortal.ScanEngine.Loading;

/// <summary>A settings document that cannot be used; the message names the source, the setting and, when known, the line.</summary>
public sealed class ScanSettingsException(string message) : Exception(message);

/// <summary>
/// An organization's scan settings as a YAML or JSON document (camelCase names of <see cref="ScanOptions"/>), so a CI
/// pipeline scans with the same tenant settings the portal uses. Strict: an unknown or misspelt setting is an error,
/// never silently ignored, because a typo would quietly turn a rule off.
/// </summary>
public static class ScanSettings
{
    /// <summary>Settings are a few lists and numbers; anything larger is not a settings file.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly LoadLimits Limits = new() { MaxYamlExpandedNodes = 100_000 };

    /// <summary>The settings a document may set (run-scoped options such as the clock or --only are not settings).</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(SettingsDocument).GetProperties()
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Returns <paramref name="options"/> with the document's settings applied; unset settings keep their values.</summary>
    public static ScanOptions Apply(ScanOptions options, string text, string source)
    {
        if (Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            throw new ScanSettingsException($"{source}: a settings file is at most {MaxBytes / 1024} KiB");
        }

        var control = text.AsSpan().IndexOfAnyInRange('\0', '\u0008');
        if (control < 0)
        {
            control = text.AsSpan().IndexOfAnyInRange('\u000e', '\u001f');
        }

        if (control >= 0)
        {
            var line = text.AsSpan(0, control).Count('\n') + 1;
            throw new ScanSettingsException($"{source}:{line}: binary content (control character 0x{(int)text[control]:X2}); expected YAML or JSON text");
        }

        byte[]? json;
        try
        {
            var documents = YamlToJson.SplitDocuments(text).Where(d => !string.IsNullOrWhiteSpace(d.Text)).ToList();
            if (documents.Count > 1)
            {
                throw new ScanSettingsException($"{source}:{documents[1].FirstLine}: a settings file holds one document");
            }

            json = documents.Count == 0 ? null : YamlToJson.Convert(documents[0].Text, documents[0].FirstLine, Limits).Json;
        }
        catch (YamlToJson.YamlInputException ex)
        {
            throw new ScanSettingsException(ex.Line is { } line ? $"{source}:{line}: {ex.Message}" : $"{source}: {ex.Message}");
        }

        if (json is null)
        {
            return options;
        }

        SettingsDocument settings;
        try
        {
            settings = JsonSerializer.Deserialize(json, SettingsJson.Default.SettingsDocument)
                       ?? throw new ScanSettingsException($"{source}: the settings document is null; expected a mapping of settings");
        }
        catch (JsonException ex)
        {
            throw new ScanSettingsException($"{source}: {Describe(ex)}");
        }

        Validate(settings, source);
        return settings.ApplyTo(options);
    }

    private static string Describe(JsonException ex)
    {
        if (string.IsNullOrEmpty(ex.Path) || ex.Path == "$")
        {
            return "the document must be a mapping of setting names to values (e.g. approvedRegistries: [registry.example.org])";
        }

        var at = $"setting {ex.Path[2..]} ";
        var message = ex.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            // "The JSON property 'x' could not be mapped…": say which names exist instead.
            var start = message.IndexOf('\'') + 1;
            var name = start > 0 ? message[start..message.IndexOf('\'', start)] : "?";
            var rule = ex.Path.StartsWith("$.knownBadNodeImages[", StringComparison.Ordinal);
            return rule
                ? $"unknown key \"{name}\" in {ex.Path[2..ex.Path.LastIndexOf('.')]} (known: osImage, kernelVersion, reason)"
                : $"unknown setting \"{name}\" (known: {string.Join(", ", Names)})";
        }

        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return at + "has the wrong type (" + ExpectedType(ex.Path) + ")";
        }

        return at + "cannot be read: " + message.Split(" Path:", 2)[0];
    }

    private static string ExpectedType(string? path)
    {
        var name = path?.Split('.', '[').ElementAtOrDefault(1) ?? "";
        var property = typeof(SettingsDocument).GetProperties()
            .FirstOrDefault(p => string.Equals(JsonNamingPolicy.CamelCase.ConvertName(p.Name), name, StringComparison.Ordinal));
        var type = property?.PropertyType;
        return type is null ? "see the documentation"
            : type == typeof(bool?) ? "expected true or false"
            : type == typeof(int?) || type == typeof(long?) ? "expected a whole number"
            : type == typeof(NodeImageRule[]) ? "expected a list of {osImage, kernelVersion, reason}"
            : "expected a list of strings";
    }

    private static void Validate(SettingsDocument s, string source)
    {
        void Positive(long? value, string name)
        {
            if (value is <= 0)
            {
                throw new ScanSettingsException($"{source}: setting {name} must be greater than 0 (got {value})");
            }
        }

        void NoBlank(string[]? list, string name)
        {
            for (var i = 0; list is not null && i < list.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(list[i]))
                {
                    throw new ScanSettingsException($"{source}: setting {name}[{i}] is empty");
                }
            }
        }

        Positive(s.PodPidsLimitCeiling, "podPidsLimitCeiling");
        Positive(s.AuditLogMinAgeDays, "auditLogMinAgeDays");
        Positive(s.AuditLogMinBackups, "auditLogMinBackups");
        Positive(s.AuditLogMinSizeMb, "auditLogMinSizeMb");
        Positive(s.PatchLagMaxReleases, "patchLagMaxReleases");
        Positive(s.PatchLagMaxDays, "patchLagMaxDays");
        Positive(s.VulnerabilityFixSlaDays, "vulnerabilityFixSlaDays");
        Positive(s.VulnerabilityScanMaxAgeDays, "vulnerabilityScanMaxAgeDays");
        if (s.MaxCriticalVulnerabilities is < 0 || s.MaxHighVulnerabilities is < 0)
        {
            throw new ScanSettingsException($"{source}: vulnerability ceilings cannot be negative");
        }

        NoBlank(s.ApprovedRegistries, "approvedRegistries");
        NoBlank(s.DigestExemptRepositories, "digestExemptRepositories");
        NoBlank(s.ExcludedNamespaces, "excludedNamespaces");
        NoBlank(s.ProductionNamespaceLabels, "productionNamespaceLabels");
        NoBlank(s.SensitiveHostPaths, "sensitiveHostPaths");
        NoBlank(s.MetadataEgressTargets, "metadataEgressTargets");
        NoBlank(s.CredentialNameTerms, "credentialNameTerms");
        NoBlank(s.LogAgentImagePatterns, "logAgentImagePatterns");
        NoBlank(s.RuntimeSensorImagePatterns, "runtimeSensorImagePatterns");
        for (var i = 0; s.KnownBadNodeImages is not null && i < s.KnownBadNodeImages.Length; i++)
        {
            var rule = s.KnownBadNodeImages[i];
            if (rule is null || !rule.IsValid)
            {
                throw new ScanSettingsException($"{source}: setting knownBadNodeImages[{i}] needs an osImage or a kernelVersion pattern");
            }

            if (string.IsNullOrWhiteSpace(rule.Reason))
            {
                throw new ScanSettingsException($"{source}: setting knownBadNodeImages[{i}] needs a reason (it is shown on every matching node)");
            }
        }

        foreach (var label in s.ProductionNamespaceLabels ?? [])
        {
            if (label.IndexOf('=') is <= 0)
            {
                throw new ScanSettingsException($"{source}: setting productionNamespaceLabels entry \"{label}\" must be key=value");
            }
        }
    }

    /// <summary>The document's shape: every member optional; null means "keep the current value".</summary>
    internal sealed class SettingsDocument
    {
        public string[]? ExcludedNamespaces { get; init; }
        public string[]? ApprovedRegistries { get; init; }
        public string[]? DigestExemptRepositories { get; init; }
        public bool? RequireExplicitRunAsGroup { get; init; }
        public bool? RequireCpuLimits { get; init; }
        public long? PodPidsLimitCeiling { get; init; }
        public string[]? ProductionNamespaceLabels { get; init; }
        public string[]? SensitiveHostPaths { get; init; }
        public string[]? MetadataEgressTargets { get; init; }
        public bool? NoCloudMetadataService { get; init; }
        public string[]? CredentialNameTerms { get; init; }
        public string[]? CredentialAllowlist { get; init; }
        public int? AuditLogMinAgeDays { get; init; }
        public int? AuditLogMinBackups { get; init; }
        public int? AuditLogMinSizeMb { get; init; }
        public string[]? LogAgentImagePatterns { get; init; }
        public string[]? RuntimeSensorImagePatterns { get; init; }
        public NodeImageRule[]? KnownBadNodeImages { get; init; }
        public int? PatchLagMaxReleases { get; init; }
        public int? PatchLagMaxDays { get; init; }
        public int? VulnerabilityFixSlaDays { get; init; }
        public int? VulnerabilityScanMaxAgeDays { get; init; }
        public int? MaxCriticalVulnerabilities { get; init; }
        public int? MaxHighVulnerabilities { get; init; }

        public ScanOptions ApplyTo(ScanOptions o) => o with
        {
            ExcludedNamespaces = ExcludedNamespaces is { } ns ? new HashSet<string>(ns.Select(n => n.Trim()), StringComparer.Ordinal) : o.ExcludedNamespaces,
            ApprovedRegistries = ApprovedRegistries ?? o.ApprovedRegistries,
            DigestExemptRepositories = DigestExemptRepositories ?? o.DigestExemptRepositories,
            RequireExplicitRunAsGroup = RequireExplicitRunAsGroup ?? o.RequireExplicitRunAsGroup,
            RequireCpuLimits = RequireCpuLimits ?? o.RequireCpuLimits,
            PodPidsLimitCeiling = PodPidsLimitCeiling ?? o.PodPidsLimitCeiling,
            ProductionNamespaceLabels = ProductionNamespaceLabels ?? o.ProductionNamespaceLabels,
            SensitiveHostPaths = SensitiveHostPaths ?? o.SensitiveHostPaths,
            MetadataEgressTargets = MetadataEgressTargets ?? o.MetadataEgressTargets,
            NoCloudMetadataService = NoCloudMetadataService ?? o.NoCloudMetadataService,
            CredentialNameTerms = CredentialNameTerms ?? o.CredentialNameTerms,
            CredentialAllowlist = CredentialAllowlist ?? o.CredentialAllowlist,
            AuditLogMinAgeDays = AuditLogMinAgeDays ?? o.AuditLogMinAgeDays,
            AuditLogMinBackups = AuditLogMinBackups ?? o.AuditLogMinBackups,
            AuditLogMinSizeMb = AuditLogMinSizeMb ?? o.AuditLogMinSizeMb,
            LogAgentImagePatterns = LogAgentImagePatterns ?? o.LogAgentImagePatterns,
            RuntimeSensorImagePatterns = RuntimeSensorImagePatterns ?? o.RuntimeSensorImagePatterns,
            KnownBadNodeImages = KnownBadNodeImages ?? o.KnownBadNodeImages,
            PatchLagMaxReleases = PatchLagMaxReleases ?? o.PatchLagMaxReleases,
            PatchLagMaxDays = PatchLagMaxDays ?? o.PatchLagMaxDays,
            VulnerabilityFixSlaDays = VulnerabilityFixSlaDays ?? o.VulnerabilityFixSlaDays,
            VulnerabilityScanMaxAgeDays = VulnerabilityScanMaxAgeDays ?? o.VulnerabilityScanMaxAgeDays,
            MaxCriticalVulnerabilities = MaxCriticalVulnerabilities ?? o.MaxCriticalVulnerabilities,
            MaxHighVulnerabilities = MaxHighVulnerabilities ?? o.MaxHighVulnerabilities,
        };
    }
}

/// <summary>Source-generated, strict reading of settings documents.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict, MaxDepth = 16)]
[JsonSerializable(typeof(ScanSettings.SettingsDocument))]
internal sealed partial class SettingsJson : JsonSerializerContext;
