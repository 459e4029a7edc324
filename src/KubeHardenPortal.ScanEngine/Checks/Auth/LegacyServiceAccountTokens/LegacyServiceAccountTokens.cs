using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>
/// KH-AUTH-013: no legacy long-lived ServiceAccount token Secrets (CATALOG.md §4). Reads Secret metadata only
/// (type, annotations, labels): the token itself is never read or reported.
/// </summary>
public sealed class LegacyServiceAccountTokens : Check
{
    public const string TokenType = "kubernetes.io/service-account-token";
    public const string SaNameAnnotation = "kubernetes.io/service-account.name";
    public const string InvalidSinceLabel = "kubernetes.io/legacy-token-invalid-since";
    public const string LastUsedLabel = "kubernetes.io/legacy-token-last-used";

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-AUTH-013",
        Title = "No legacy long-lived ServiceAccount token Secrets",
        Severity = Severity.Medium,
        Section = GuideSections.Authentication,
        GuideReference = "Pod security → Protecting Pod service account tokens; Authentication → service account bearer tokens can be used outside the cluster",
        Target = CheckTarget.Object,
        Rationale = "A Secret of type kubernetes.io/service-account-token holds a token that never expires and is not bound " +
                    "to a pod: anyone who reads it once (a backup, a log, a CI variable) can use it from anywhere for as long " +
                    "as the Secret exists. Since 1.29 the token cleaner labels unused ones as invalid.",
        Remediation = "Delete the Secret and use projected (TokenRequest) tokens with a short expiry, or workload identity " +
                      "federation for external CI; tools that truly need a static token get an exception with a rotation date.",
        FixYaml = """
            # pod-side replacement: bound, expiring token
            volumes:
            - name: api-token
              projected:
                sources:
                - serviceAccountToken: {path: token, expirationSeconds: 3600}
            """,
        References = new([], [], null, ["5.1.13 (related)"]),
        Collectors = ['a', 'c'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var tokens = context.OfKind("Secret").Where(s => s.Json.Str("type") == TokenType).ToList();
        if (!context.IsManifestScan && tokens.Count == 0)
        {
            if (context.Snapshot.IsComplete("secrets"))
            {
                results.Begin(context.ClusterRef); // none exist: pass
            }
            else
            {
                results.Unknown(context.ClusterRef,
                    "Secret metadata was not collected (opt-in: list secrets with fieldSelector type=kubernetes.io/service-account-token)");
            }

            return;
        }

        var rbac = context.Rbac;
        var saComplete = !context.IsManifestScan && context.Snapshot.IsComplete("serviceaccounts");
        var accounts = saComplete
            ? context.OfKind("ServiceAccount").Select(a => (a.Namespace ?? "", a.Name)).ToHashSet()
            : [];
        foreach (var secret in tokens)
        {
            if (secret.Labels.ContainsKey(InvalidSinceLabel))
            {
                results.Begin(secret); // invalidated by the token cleaner
                continue;
            }

            if (!secret.Annotations.TryGetValue(SaNameAnnotation, out var sa) || sa.Length == 0)
            {
                results.NotApplicable(secret, $"no {SaNameAnnotation} annotation: the API server rejects such a token Secret");
                continue;
            }

            var ns = secret.Namespace ?? "default";
            var unit = results.Begin(secret);
            var grants = rbac.GrantsForServiceAccount(ns, sa)
                .Where(g => g.Rules.Count > 0 && !g.Binding.IsBootstrapSubject(g.Subject))
                .ToList();
            var saExists = !saComplete || accounts.Contains((ns, sa));

            Severity severity;
            string rbacText;
            if (!saExists)
            {
                severity = Severity.Low;
                rbacText = "; the ServiceAccount no longer exists, so the token is rejected — delete the Secret";
            }
            else if (grants.Count > 0)
            {
                severity = Severity.Medium;
                rbacText = "; the account holds RBAC grants: " +
                           string.Join(", ", grants.Select(g => $"{g.Role.Display} via {g.Binding.Display}").Distinct(StringComparer.Ordinal).Take(5));
            }
            else if (rbac.BindingsComplete)
            {
                severity = Severity.Low;
                rbacText = "; the account holds no RBAC grants";
            }
            else
            {
                severity = Severity.Medium;
                rbacText = "; no RBAC grants in the scanned input (bindings elsewhere cannot be ruled out)";
            }

            var lastUsed = secret.Labels.TryGetValue(LastUsedLabel, out var used) ? $"; last used {used}" : "; no last-used record";
            unit.Fail($"Secret {ns}/{secret.Name} holds a long-lived token for ServiceAccount {ns}/{sa} (not invalidated){lastUsed}{rbacText}",
                "type", TokenType, severity: severity, key: "legacy-token");
        }
    }
}
