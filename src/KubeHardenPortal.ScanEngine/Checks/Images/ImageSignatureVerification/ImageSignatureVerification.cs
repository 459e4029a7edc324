using System.Runtime.CompilerServices;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Images;

/// <summary>
/// KH-IMG-004: an enforcing image-signature verifier covers each namespace (CATALOG.md §7): a Kyverno ClusterPolicy or
/// Policy with verifyImages rules in Enforce mode whose match includes the namespace; a Sigstore policy-controller
/// ClusterImagePolicy with the namespace opted in; a recognised verifier webhook (Connaisseur, Portieris) with
/// failurePolicy Fail; or ImagePolicyWebhook enabled on every API server. A verifier that only audits fails with a note.
/// </summary>
public sealed class ImageSignatureVerification : NamespaceCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-IMG-004",
        Title = "Image signature or provenance verified at admission",
        Severity = Severity.Medium,
        Section = GuideSections.SupplyChain,
        GuideReference = "Pod security → Building secure container images (an admission controller validates images before deployment)",
        Target = CheckTarget.Namespace,
        Rationale = "Without verification at admission, any image that reaches a registry the nodes can pull from runs — " +
                    "including one pushed with stolen registry credentials. Verifying signatures or provenance ties what " +
                    "runs to what the build pipeline produced.",
        Remediation = "Enforce signature verification for every namespace: a Kyverno verifyImages policy in Enforce mode, " +
                      "a Sigstore policy-controller ClusterImagePolicy with the namespace opted in, or the provider's " +
                      "binary authorisation in enforce mode.",
        FixYaml = """
            apiVersion: kyverno.io/v1
            kind: ClusterPolicy
            metadata: {name: signed-images-only}
            spec:
              validationFailureAction: Enforce   # newer Kyverno releases use per-rule failureAction
              rules:
              - name: check-signature
                match: {any: [{resources: {kinds: ["Pod"]}}]}
                verifyImages:
                - imageReferences: ["registry.example.org/*"]
                  attestors: [{entries: [{keys: {publicKeys: "<cosign public key PEM>"}}]}]
            """,
        References = new(["C-0236", "C-0237", "C-0289"], [], null, ["5.5.1"]),
        Collectors = ['b', 'd'],
    };

    /// <summary>Coverage is decided here: one enforcing verifier is enough even when another kind was not collected.</summary>
    protected override IReadOnlyList<string> RequiredResources => [];

    /// <summary>What must be completely collected before "no verifier" can be a FAIL.</summary>
    private static readonly string[] VerifierResources =
    [
        "clusterpolicies.kyverno.io", "policies.kyverno.io", "clusterimagepolicies.policy.sigstore.dev",
        "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
    ];

    /// <summary>Webhook names of verifiers that enforce through their own webhook (not through a policy CRD).</summary>
    private static readonly string[] RecognisedWebhooks = ["connaisseur", "portieris", "securityenforcement.admission.cloud.ibm.com"];

    private enum Verdict
    {
        NotCovered,
        Unknown,
        Audit,
        Enforce,
    }

    private sealed record Verifier(string Name, Func<NamespaceInfo, IReadOnlyDictionary<string, string>?, Verdict> Judge);

    private sealed record Verifiers(List<Verifier> All, string? FlagsNote);

    // Checks are shared singletons run by concurrent scans: per-scan state is keyed by the scan's context.
    private static readonly ConditionalWeakTable<ScanContext, Verifiers> Cache = [];

    protected override void EvaluateNamespace(ScanContext context, NamespaceInfo ns, Unit unit)
    {
        var verifiers = Cache.GetValue(context, Build);
        var labels = NamespaceLabels(ns);
        var audits = new List<string>();
        var unknown = new List<string>();
        foreach (var v in verifiers.All)
        {
            switch (v.Judge(ns, labels))
            {
                case Verdict.Enforce:
                    return;
                case Verdict.Audit:
                    audits.Add(v.Name);
                    break;
                case Verdict.Unknown:
                    unknown.Add(v.Name);
                    break;
            }
        }

        if (unknown.Count > 0)
        {
            unit.Unknown($"the labels of namespace \"{ns.Name}\" are not known, so the coverage of {string.Join(", ", unknown)} cannot be decided");
            return;
        }

        var missing = VerifierResources.Where(r => !context.Snapshot.IsComplete(r)).ToList();
        if (missing.Count > 0)
        {
            unit.Unknown("no enforcing verifier found, and not collected: " + string.Join(", ", missing));
            return;
        }

        var note = audits.Count > 0
            ? $"; verifier present but not enforcing here: {string.Join(", ", audits)}"
            : "";
        unit.Fail($"no enforcing image-signature verifier covers namespace \"{ns.Name}\"{note}{verifiers.FlagsNote}",
            key: audits.Count > 0 ? "audit-only" : "no-verifier");
    }

    /// <summary>Namespace labels, plus the kubernetes.io/metadata.name label the API server sets; null when unknown.</summary>
    private static Dictionary<string, string>? NamespaceLabels(NamespaceInfo ns)
    {
        if (ns.Object is null)
        {
            return null;
        }

        var labels = new Dictionary<string, string>(ns.Object.Labels, StringComparer.Ordinal)
        {
            ["kubernetes.io/metadata.name"] = ns.Name,
        };
        return labels;
    }

    private static Verifiers Build(ScanContext context)
    {
        var list = new List<Verifier>();
        string? flagsNote = null;
        var cp = context.ControlPlane;
        if (cp.ApiServers.Count > 0 && !cp.IsManaged)
        {
            // Requests reach any API server of an HA control plane, so every one of them must run the plugin.
            if (cp.ApiServers.All(a => AdmissionPlugins.Effective(a, context.ServerVersion).Enabled.Contains("ImagePolicyWebhook")))
            {
                list.Add(new Verifier("ImagePolicyWebhook admission plugin", (_, _) => Verdict.Enforce));
            }
        }
        else
        {
            flagsNote = $" ({cp.UnavailableReason ?? "kube-apiserver flags are not visible"}: ImagePolicyWebhook and a provider's binary authorisation were not checked)";
        }

        foreach (var kind in (ReadOnlySpan<string>)["ClusterPolicy", "Policy"])
        {
            foreach (var policy in context.OfKind(kind))
            {
                if (policy.Group == "kyverno.io")
                {
                    AddKyverno(policy, list);
                }
            }
        }

        foreach (var cip in context.OfKind("ClusterImagePolicy"))
        {
            if (cip.Group == "policy.sigstore.dev")
            {
                AddSigstore(cip, list);
            }
        }

        foreach (var kind in (ReadOnlySpan<string>)["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"])
        {
            foreach (var config in context.OfKind(kind))
            {
                AddWebhooks(config, list);
            }
        }

        return new Verifiers(list, flagsNote);
    }

    private static void AddKyverno(KubeObject policy, List<Verifier> list)
    {
        var spec = policy.Json.Get("spec");
        if (spec.Bool("admission") == false)
        {
            return; // background-only policies never see admission requests
        }

        var ruleIndex = 0;
        foreach (var rule in spec.Items("rules"))
        {
            var entries = rule.Items("verifyImages")
                .Where(e => (e.Get("attestors").Count() > 0 || e.Get("attestations").Count() > 0) && e.Bool("required") != false)
                .ToList();
            var ruleName = rule.Str("name") ?? $"#{ruleIndex}";
            ruleIndex++;
            if (entries.Count == 0)
            {
                continue;
            }

            var name = $"Kyverno {policy.Kind} {(policy.Kind == "Policy" ? policy.Namespace + "/" : "")}{policy.Name} rule {ruleName}";
            list.Add(new Verifier(name, (ns, labels) =>
            {
                if (policy.Kind == "Policy" && policy.Namespace != ns.Name)
                {
                    return Verdict.NotCovered;
                }

                var covers = Kyverno.RuleCovers(rule, ns.Name, labels);
                if (covers is null)
                {
                    return Verdict.Unknown;
                }

                if (!covers.Value)
                {
                    return Verdict.NotCovered;
                }

                foreach (var e in entries)
                {
                    var action = e.Str("failureAction") ?? Kyverno.SpecAction(spec, ns.Name, labels);
                    if (string.Equals(action, "Enforce", StringComparison.OrdinalIgnoreCase))
                    {
                        return Verdict.Enforce;
                    }
                }

                return Verdict.Audit;
            }));
        }
    }

    private static void AddSigstore(KubeObject cip, List<Verifier> list)
    {
        var spec = cip.Json.Get("spec");
        if (spec.Get("images").Count() == 0 || spec.Get("authorities").Count() == 0)
        {
            return;
        }

        var warn = string.Equals(spec.Str("mode"), "warn", StringComparison.OrdinalIgnoreCase);
        list.Add(new Verifier($"Sigstore ClusterImagePolicy {cip.Name}{(warn ? " (mode: warn)" : "")}", (_, labels) =>
            labels is null ? Verdict.Unknown
            : labels.GetValueOrDefault("policy.sigstore.dev/include") != "true" ? Verdict.NotCovered
            : warn ? Verdict.Audit
            : Verdict.Enforce));
    }

    private static void AddWebhooks(KubeObject config, List<Verifier> list)
    {
        foreach (var hook in config.Json.Items("webhooks"))
        {
            var hookName = hook.Str("name") ?? "";
            if (!RecognisedWebhooks.Any(r => config.Name.Contains(r, StringComparison.OrdinalIgnoreCase) ||
                                             hookName.Contains(r, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var pods = hook.Items("rules").Any(r => r.Strings("resources").Any(res => res is "pods" or "*" or "*/*"));
            if (!pods)
            {
                continue;
            }

            var ignore = string.Equals(hook.Str("failurePolicy"), "Ignore", StringComparison.Ordinal);
            var selector = hook.Get("namespaceSelector");
            list.Add(new Verifier($"{config.Kind} {config.Name} webhook {hookName}{(ignore ? " (failurePolicy: Ignore)" : "")}", (_, labels) =>
                Selectors.Matches(selector, labels) switch
                {
                    null => Verdict.Unknown,
                    false => Verdict.NotCovered,
                    _ => ignore ? Verdict.Audit : Verdict.Enforce,
                }));
        }
    }

    /// <summary>Kyverno match/exclude semantics, reduced to "does this rule apply to every Pod of the namespace?".</summary>
    internal static class Kyverno
    {
        /// <summary>True when the rule matches all Pods of the namespace and no exclude removes the namespace; null when labels decide and are unknown.</summary>
        public static bool? RuleCovers(CompactJson rule, string ns, IReadOnlyDictionary<string, string>? labels)
        {
            var match = Combine(rule.Get("match"), f => FilterCovers(f, ns, labels));
            if (match != true)
            {
                return match;
            }

            var exclude = rule.Get("exclude");
            if (!exclude.Exists())
            {
                return true;
            }

            var excluded = Combine(exclude, f => FilterExcludesNamespace(f, ns, labels));
            return excluded switch
            {
                true => false,
                null => null,
                _ => true,
            };
        }

        /// <summary>The spec-level action for a namespace, honouring validationFailureActionOverrides.</summary>
        public static string SpecAction(CompactJson spec, string ns, IReadOnlyDictionary<string, string>? labels)
        {
            foreach (var o in spec.Items("validationFailureActionOverrides"))
            {
                var names = o.Strings("namespaces").ToList();
                var selector = o.Get("namespaceSelector");
                if (names.Count == 0 && !selector.Exists())
                {
                    continue;
                }

                if ((names.Count == 0 || names.Any(n => Glob.IsMatch(n, ns))) && (!selector.Exists() || Selectors.Matches(selector, labels) == true))
                {
                    return o.Str("action") ?? "Audit";
                }
            }

            return spec.Str("validationFailureAction") ?? "Audit";
        }

        /// <summary>any: one filter; all: every filter; neither: the block itself is the (legacy) filter.</summary>
        private static bool? Combine(CompactJson block, Func<CompactJson, bool?> test)
        {
            if (block.Get("any").Count() > 0)
            {
                var result = (bool?)false;
                foreach (var f in block.Items("any"))
                {
                    var r = test(f);
                    if (r == true)
                    {
                        return true;
                    }

                    result = r is null ? null : result;
                }

                return result;
            }

            if (block.Get("all").Count() > 0)
            {
                var result = (bool?)true;
                foreach (var f in block.Items("all"))
                {
                    var r = test(f);
                    if (r == false)
                    {
                        return false;
                    }

                    result = r is null ? null : result;
                }

                return result;
            }

            return block.Exists() ? test(block) : false;
        }

        private static bool? FilterCovers(CompactJson filter, string ns, IReadOnlyDictionary<string, string>? labels)
        {
            var res = filter.Get("resources");
            if (!res.Strings("kinds").Any(IsPodKind) || Narrows(filter))
            {
                return false;
            }

            return InNamespace(res, ns, labels);
        }

        /// <summary>An exclude removes the namespace only when it names it (namespaces/namespaceSelector) for Pods without narrowing further.</summary>
        private static bool? FilterExcludesNamespace(CompactJson filter, string ns, IReadOnlyDictionary<string, string>? labels)
        {
            var res = filter.Get("resources");
            var kinds = res.Strings("kinds").ToList();
            if ((kinds.Count > 0 && !kinds.Any(IsPodKind)) || Narrows(filter) ||
                (res.Get("namespaces").Count() == 0 && !res.Get("namespaceSelector").Exists()))
            {
                return false;
            }

            return InNamespace(res, ns, labels);
        }

        private static bool? InNamespace(CompactJson res, string ns, IReadOnlyDictionary<string, string>? labels)
        {
            if (res.Get("namespaces").Count() > 0 && !res.Strings("namespaces").Any(n => Glob.IsMatch(n, ns)))
            {
                return false;
            }

            return res.Get("namespaceSelector").Exists() ? Selectors.Matches(res.Get("namespaceSelector"), labels) : true;
        }

        /// <summary>Filters that select only some Pods of a namespace (by name, labels, annotations or requester).</summary>
        private static bool Narrows(CompactJson filter)
        {
            var res = filter.Get("resources");
            return res.Get("names").Count() > 0 || res.Str("name") is { Length: > 0 } ||
                   !res.Get("selector").IsEmptyObjectOrMissing() || !res.Get("annotations").IsEmptyObjectOrMissing() ||
                   filter.Get("subjects").Count() > 0 || filter.Get("roles").Count() > 0 || filter.Get("clusterRoles").Count() > 0;
        }

        private static bool IsPodKind(string kind) => kind is "Pod" or "*" or "v1/Pod" or "*/Pod";
    }

    /// <summary>Kubernetes LabelSelector semantics; an absent or empty selector matches everything; null when labels are unknown.</summary>
    internal static class Selectors
    {
        public static bool? Matches(CompactJson selector, IReadOnlyDictionary<string, string>? labels)
        {
            if (selector.IsEmptyObjectOrMissing() ||
                (selector.Get("matchLabels").IsEmptyObjectOrMissing() && selector.Get("matchExpressions").Count() == 0))
            {
                return true;
            }

            if (labels is null)
            {
                return null;
            }

            foreach (var p in selector.Get("matchLabels").Props())
            {
                if (!labels.TryGetValue(p.Name, out var v) || v != p.Value.Str())
                {
                    return false;
                }
            }

            foreach (var e in selector.Items("matchExpressions"))
            {
                var key = e.Str("key") ?? "";
                var has = labels.TryGetValue(key, out var value);
                var ok = e.Str("operator") switch
                {
                    "In" => has && e.Strings("values").Contains(value),
                    "NotIn" => !has || !e.Strings("values").Contains(value),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
