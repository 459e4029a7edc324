using System.Text.Json;
using System.Text.Json.Serialization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Upgrade;

/// <summary>
/// KH-UPG-003: no end-of-life or known-vulnerable cluster add-ons (CATALOG.md §6). Rules are data
/// (Data/addon-advisories.json), evaluated against every container of every workload in every namespace: add-ons live
/// in system namespaces, so this check deliberately ignores namespace exclusions.
/// </summary>
public sealed class VulnerableAddons : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-UPG-003",
        Title = "No end-of-life or known-vulnerable cluster add-ons",
        Severity = Severity.High,
        Section = GuideSections.Upgrading,
        GuideReference = "Upgrading and application security practices (update plug-ins and all hosted software; remove unused components)",
        Target = CheckTarget.Container,
        Rationale = "Cluster add-ons such as ingress controllers run with wide permissions and are reachable from the " +
                    "network. Known vulnerabilities in them (IngressNightmare, snippet annotations) give attackers " +
                    "cluster-wide Secrets, and abandoned components never get fixes.",
        Remediation = "Upgrade or replace the component (for ingress-nginx: a maintained Ingress controller or a Gateway " +
                      "API implementation); pull from registry.k8s.io instead of k8s.gcr.io; remove abandoned add-ons.",
        FixYaml = """
            containers:
            - name: gateway
              image: registry.example.org/net/gateway-controller:2.3.1
            """,
        References = new(["C-0058", "C-0059", "C-0292", "C-0253"], [], null, []),
        Collectors = ['a', 'f'],
    };

    internal sealed record AddonCondition(string ConfigMapKey, string? FailUnlessValue, string? FailIfValue);

    internal sealed record AddonRule(
        string Id,
        string Title,
        IReadOnlyList<string>? Images,
        IReadOnlyList<string>? Versions,
        IReadOnlyList<string>? KubernetesVersions,
        DateOnly? EffectiveFrom,
        AddonCondition? Condition,
        string? PodCondition,
        string Severity,
        string Advisory);

    internal sealed record AddonData(DateOnly LastRefreshed, IReadOnlyList<AddonRule> Rules);

    private static readonly Lazy<AddonData> Data = new(() => DataJson.Load("addon-advisories.json", AddonDataJson.Default.AddonData));

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var rules = Data.Value.Rules;
        var imageRules = rules.Where(r => r.Images is { Count: > 0 } &&
                                          (r.EffectiveFrom is null || DataJson.DaysBetween(r.EffectiveFrom.Value, context.Options.Now) >= 0)).ToList();
        var clusterRules = rules.Where(r => r.KubernetesVersions is { Count: > 0 } && r.PodCondition == "subPath").ToList();
        var affected = clusterRules.ToDictionary(r => r, r => AffectedVersion(context, r));

        // A cluster runs the same few hundred repositories in thousands of containers: each is matched against the
        // rules' image globs once.
        var rulesFor = new Dictionary<string, AddonRule[]>(StringComparer.Ordinal);
        foreach (var w in context.Workloads)
        {
            var unit = results.Begin(w.Object);
            foreach (var c in w.AllContainers)
            {
                var image = c.Json.Str("image");
                if (!string.IsNullOrWhiteSpace(image))
                {
                    var reference = ImageReference.Parse(image);
                    var repository = reference.Repository;
                    if (!rulesFor.TryGetValue(repository, out var matching))
                    {
                        matching = imageRules.Where(r => Glob.AnyMatch(r.Images!, repository)).ToArray();
                        rulesFor[repository] = matching;
                    }

                    foreach (var rule in matching)
                    {
                        EvaluateImageRule(context, w, c, image, reference, rule, unit);
                    }
                }

                foreach (var rule in clusterRules)
                {
                    EvaluateSubPathRule(c, rule, affected[rule], unit);
                }
            }
        }
    }

    private static void EvaluateImageRule(ScanContext context, Workload w, ContainerRef c, string image, ImageReference reference,
        AddonRule rule, Unit unit)
    {
        var severity = ParseSeverity(rule.Severity);
        var path = JsonPaths.Join(c.Path, ".image");
        if (rule.Versions is { Count: > 0 } versions)
        {
            if (TagVersion(reference.Tag) is not { } version)
            {
                unit.Unknown($"container \"{c.Name}\": the version of {image} cannot be read from its tag, so {rule.Id} cannot be ruled out");
                return;
            }

            if (!VersionRange.MatchesAny(versions, version))
            {
                return;
            }
        }

        var detail = "";
        if (rule.Condition is { } condition)
        {
            var (value, where, unknown) = ControllerConfigValue(context, w, c, condition.ConfigMapKey);
            if (unknown is not null)
            {
                unit.Unknown($"container \"{c.Name}\": {unknown}, so {rule.Id} cannot be decided");
                return;
            }

            if (condition.FailUnlessValue is { } required && BoolEquals(value, required))
            {
                return;
            }

            if (condition.FailIfValue is { } forbidden && !BoolEquals(value, forbidden))
            {
                return;
            }

            detail = $" ({where}: {condition.ConfigMapKey} is {(value is null ? "unset" : $"\"{value}\"")})";
        }

        unit.Fail($"container \"{c.Name}\" runs {image}: {rule.Title} [{rule.Id}]{detail}; {rule.Advisory}",
            path, image, c, severity, rule.Id);
    }

    private static void EvaluateSubPathRule(ContainerRef c, AddonRule rule, (bool? Affected, string Version) cluster, Unit unit)
    {
        var i = 0;
        foreach (var mount in c.Json.Items("volumeMounts"))
        {
            var field = mount.Str("subPath") is { Length: > 0 } ? "subPath" : mount.Str("subPathExpr") is { Length: > 0 } ? "subPathExpr" : null;
            if (field is not null)
            {
                if (cluster.Affected is null)
                {
                    unit.Unknown($"container \"{c.Name}\" uses a {field} mount and the Kubernetes version is unknown, so {rule.Id} cannot be ruled out");
                }
                else if (cluster.Affected.Value)
                {
                    unit.Fail($"container \"{c.Name}\" mounts volume \"{mount.Str("name")}\" with {field} on {cluster.Version}: {rule.Title} [{rule.Id}]; {rule.Advisory}",
                        $"{c.Path}.volumeMounts[{i}].{field}", mount.Str(field), c, ParseSeverity(rule.Severity), rule.Id);
                }

                return;
            }

            i++;
        }
    }

    /// <summary>
    /// Whether the cluster runs an affected version: the bug is in the kubelet, so any node's kubelet counts, and the API
    /// server version stands in when no Node is visible. Null when neither is known.
    /// </summary>
    private static (bool? Affected, string Version) AffectedVersion(ScanContext context, AddonRule rule)
    {
        string? seen = null;
        foreach (var node in context.OfKind("Node"))
        {
            var text = node.Json.Get("status").Get("nodeInfo").Str("kubeletVersion");
            if (KubeVersion.Parse(text) is { } v)
            {
                seen ??= $"kubelet {text}";
                if (VersionRange.MatchesAny(rule.KubernetesVersions!, v))
                {
                    return (true, $"kubelet {text} (node {node.Name})");
                }
            }
        }

        if (context.ServerVersion is { } server && VersionRange.MatchesAny(rule.KubernetesVersions!, server))
        {
            return (true, $"Kubernetes {context.Snapshot.Cluster.ServerGitVersion}");
        }

        return seen is null && context.ServerVersion is null ? (null, "") : (false, "");
    }

    /// <summary>The ingress-nginx controller ConfigMap value of a key: (value, where, why-unknown).</summary>
    private static (string? Value, string Where, string? Unknown) ControllerConfigValue(ScanContext context, Workload w, ContainerRef c, string key)
    {
        var flags = ComponentFlags.Parse(c.Json.Strings("command").Concat(c.Json.Strings("args")));
        if (!flags.TryGetValue("configmap", out var reference) || string.IsNullOrEmpty(reference))
        {
            return (null, "no --configmap flag, defaults apply", null);
        }

        reference = reference.Replace("$(POD_NAMESPACE)", w.Namespace, StringComparison.Ordinal);
        var slash = reference.IndexOf('/');
        var (ns, name) = slash > 0 ? (reference[..slash], reference[(slash + 1)..]) : (w.Namespace, reference);
        var cm = context.Find("ConfigMap", ns, name);
        if (cm is null)
        {
            return context.IsManifestScan || !context.Snapshot.IsComplete("configmaps")
                ? (null, "", $"its ConfigMap {ns}/{name} is not in the snapshot")
                : (null, $"ConfigMap {ns}/{name} does not exist, defaults apply", null);
        }

        var value = cm.Json.Get("data").Get(key);
        return (value.Str(), $"ConfigMap {ns}/{name}", null);
    }

    /// <summary>Go's strconv.ParseBool spellings, which the controller's ConfigMap parser accepts.</summary>
    private static bool BoolEquals(string? value, string expected)
    {
        bool? parsed = value?.Trim() switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => null,
        };
        return parsed is not null && parsed == (expected == "true");
    }

    /// <summary>Semantic version from an image tag such as "v1.9.4" or "1.12.0-beta.0"; null for "latest" or digests.</summary>
    internal static KubeVersion? TagVersion(string? tag) =>
        tag is { Length: > 0 } && (char.IsDigit(tag[0]) || (tag.Length > 1 && tag[0] is 'v' or 'V' && char.IsDigit(tag[1])))
            ? KubeVersion.Parse(tag.TrimStart('v', 'V'))
            : null;

    private static Severity ParseSeverity(string text) => SeverityWeights.TryParse(text, out var s) ? s : Severity.High;
}

/// <summary>Version expressions of the advisory data: "&lt;=0.49.0", "&gt;=1.0.1 &lt;1.9.0" (space = AND); a list is OR.</summary>
internal static class VersionRange
{
    public static bool MatchesAny(IEnumerable<string> expressions, KubeVersion v)
    {
        foreach (var e in expressions)
        {
            if (Matches(e, v))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Matches(string expression, KubeVersion v)
    {
        foreach (var term in expression.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var op = term.StartsWith("<=", StringComparison.Ordinal) || term.StartsWith(">=", StringComparison.Ordinal) ? term[..2]
                : term[0] is '<' or '>' or '=' ? term[..1]
                : "";
            var bound = KubeVersion.Parse(term[op.Length..]) ??
                        throw new JsonException($"invalid version in advisory expression \"{expression}\"");
            var cmp = v.CompareTo(bound);
            var ok = op switch
            {
                "<" => cmp < 0,
                "<=" => cmp <= 0,
                ">" => cmp > 0,
                ">=" => cmp >= 0,
                _ => cmp == 0,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Source-generated serialisation metadata for Data/addon-advisories.json (works in trimmed/AOT hosts).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(VulnerableAddons.AddonData))]
internal sealed partial class AddonDataJson : JsonSerializerContext;
