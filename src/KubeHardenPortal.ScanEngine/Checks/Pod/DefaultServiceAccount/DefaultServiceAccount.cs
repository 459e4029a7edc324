using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>
/// KH-POD-014: default ServiceAccount not used or privileged (CATALOG.md §2). Three kinds of unit, each counted once:
/// the <c>default</c> ServiceAccount of every namespace (rule 1), every RoleBinding/ClusterRoleBinding that names a
/// default ServiceAccount (rule 2; one unit per binding, one finding per named namespace), and every workload (rule 3).
/// Bindings that name no default ServiceAccount are not units: they are outside this check.
/// </summary>
public sealed class DefaultServiceAccount : Check
{
    private const string Default = "default";

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-POD-014",
        Title = "Default ServiceAccount not used or privileged",
        Severity = Severity.Low,
        Section = GuideSections.PodSecurity,
        GuideReference = "Pod security → Protecting Pod service account tokens; Authentication and authorization → RBAC",
        Target = CheckTarget.PodSpec,
        Rationale = "Every pod that names no ServiceAccount runs as its namespace's default one. Permissions granted to " +
                    "it reach all those pods, and its automounted token gives each of them an API identity they did not ask for.",
        Remediation = "Create one ServiceAccount per workload, grant roles to those, and neutralise default: no bindings " +
                      "and automountServiceAccountToken: false.",
        FixYaml = """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: default, namespace: shop}
            automountServiceAccountToken: false
            """,
        References = new(["C-0189"], [], null, ["5.1.5"]),
        Collectors = ['a', 'c'],
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var accounts = ServiceAccountBindings.For(context);
        var bound = BoundDefaultAccounts(context, results);
        EvaluateDefaultAccounts(context, results, accounts, bound);
        EvaluateWorkloads(context, results, accounts, bound);
    }

    /// <summary>Rule 2: one unit per binding naming a default ServiceAccount. Returns the bindings per named namespace.</summary>
    private static Dictionary<string, List<string>> BoundDefaultAccounts(ScanContext context, CheckResults results)
    {
        var bound = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var kinds = new[]
        {
            ("RoleBinding", true, "rolebindings.rbac.authorization.k8s.io"),
            ("ClusterRoleBinding", false, "clusterrolebindings.rbac.authorization.k8s.io"),
        };
        var missing = kinds.Where(k => !context.Snapshot.IsComplete(k.Item3)).Select(k => k.Item1 + "s").ToList();
        if (missing.Count > 0)
        {
            // Bindings that were not collected may name a default ServiceAccount: one cluster-level Unknown says so.
            results.Unknown(context.ClusterRef, $"{string.Join(" and ", missing)} were not collected, so bindings of default ServiceAccounts are unknown");
        }

        foreach (var (kind, namespaced, _) in kinds)
        {
            foreach (var b in context.OfKind(kind))
            {
                var named = new List<(int Index, string Ns)>();
                var i = 0;
                foreach (var s in b.Json.Items("subjects"))
                {
                    var index = i++;
                    if (s.Str("kind") == "ServiceAccount" && s.Str("name") == Default &&
                        ServiceAccountBindings.SubjectNamespace(b, s, namespaced) is { } ns && !named.Exists(n => n.Ns == ns))
                    {
                        named.Add((index, ns));
                    }
                }

                if (named.Count == 0)
                {
                    continue;
                }

                var role = $"{b.Json.Get("roleRef").Str("kind")} {b.Json.Get("roleRef").Str("name")}";
                var binding = $"{kind} {(b.Namespace is null ? "" : b.Namespace + "/")}{b.Name}";
                var what = $"{binding} → {role}";
                foreach (var (_, ns) in named)
                {
                    if (!bound.TryGetValue(ns, out var list))
                    {
                        bound[ns] = list = [];
                    }

                    list.Add(what);
                }

                // Exclusions (CATALOG.md §1.7): a RoleBinding in an excluded namespace, or subjects only in excluded ones.
                var relevant = named.FindAll(n => !context.IsExcluded(n.Ns));
                if ((namespaced && context.IsExcluded(b.Namespace)) || relevant.Count == 0)
                {
                    results.Excluded(b);
                    continue;
                }

                var unit = results.Begin(b);
                foreach (var (index, ns) in relevant)
                {
                    unit.Fail($"{binding} grants {role} to ServiceAccount {ns}/default, which every pod in {ns} without its own ServiceAccount inherits",
                        $"subjects[{index}]", $"ServiceAccount {ns}/default", severity: Severity.Medium, key: "subject:" + ns);
                }
            }
        }

        return bound;
    }

    /// <summary>Rule 1: the default ServiceAccount of each namespace must disable automount.</summary>
    private static void EvaluateDefaultAccounts(ScanContext context, CheckResults results, ServiceAccountBindings accounts,
        Dictionary<string, List<string>> bound)
    {
        var withOwnAccounts = context.OfKind("ServiceAccount").Where(a => a.Name != Default && a.Namespace is not null)
            .Select(a => a.Namespace!).ToHashSet(StringComparer.Ordinal);
        foreach (var ns in context.Namespaces)
        {
            var sa = accounts.Account(ns.Name, Default);
            var saRef = sa?.Ref ?? new ResourceRef("v1", "ServiceAccount", ns.Name, Default);
            if (context.IsExcluded(ns.Name))
            {
                results.Excluded(saRef);
                continue;
            }

            var severity = bound.ContainsKey(ns.Name) ? Severity.Medium : Severity.Low;
            var boundNote = bound.TryGetValue(ns.Name, out var by) ? $"; it is bound by {string.Join(", ", by)}" : "";
            if (sa is null)
            {
                if (!accounts.AccountsComplete)
                {
                    results.Unknown(saRef, "ServiceAccounts were not collected, so the default ServiceAccount's automount setting is unknown");
                }
                else if (context.IsManifestScan && ns.Object is null)
                {
                    results.Unknown(saRef, $"neither Namespace \"{ns.Name}\" nor its default ServiceAccount is in the scanned input");
                }
                else
                {
                    // The ServiceAccount controller creates it without automountServiceAccountToken: false.
                    var missingUnit = results.Begin(saRef, ns.Object?.Source);
                    missingUnit.Fail(
                        $"namespace {ns.Name} declares no default ServiceAccount, so the one Kubernetes creates automounts its token{boundNote}",
                        "automountServiceAccountToken", "<unset>", severity: severity, key: "automount");
                    AdviseNoDedicatedAccount(ns.Name, withOwnAccounts, missingUnit);
                }

                continue;
            }

            var automount = sa.Json.Bool("automountServiceAccountToken");
            var unit = results.Begin(sa);
            if (accounts.AccountsComplete)
            {
                AdviseNoDedicatedAccount(ns.Name, withOwnAccounts, unit);
            }

            if (automount != false)
            {
                unit.Fail($"default ServiceAccount of {ns.Name} does not set automountServiceAccountToken: false{boundNote}",
                    "automountServiceAccountToken", automount is null ? "<unset>" : "true", severity: severity, key: "automount");
            }
        }
    }

    /// <summary>
    /// kubescape C-0189 fails a namespace with no ServiceAccount besides default; the catalog keeps that as an advisory
    /// (a namespace without workloads needs none). Only called when the ServiceAccount list is complete.
    /// </summary>
    private static void AdviseNoDedicatedAccount(string ns, HashSet<string> withOwnAccounts, Unit unit)
    {
        if (!withOwnAccounts.Contains(ns))
        {
            unit.Advise($"namespace {ns} has no ServiceAccount other than default: give each workload its own (kubescape C-0189)",
                null, null, key: "dedicatedServiceAccount");
        }
    }

    /// <summary>Rule 3: workloads running as default while its token is mounted or it holds bindings.</summary>
    private static void EvaluateWorkloads(ScanContext context, CheckResults results, ServiceAccountBindings accounts,
        Dictionary<string, List<string>> bound)
    {
        foreach (var w in context.Workloads)
        {
            if (w.EphemeralOnly)
            {
                continue;
            }

            if (context.IsExcluded(w.Namespace))
            {
                results.Excluded(w.Object);
                continue;
            }

            var unit = results.Begin(w.Object);
            if (w.ServiceAccountName != Default)
            {
                continue; // a dedicated ServiceAccount
            }

            var ns = w.Namespace ?? Default;
            var (mounted, why, observed) = ServiceAccountTokenAutomount.Resolve(w, accounts);
            if (mounted != true && ServiceAccountTokenAutomount.ProjectedApiToken(context, w) is { } projected)
            {
                (mounted, why, observed) = (true, $"volume \"{projected.Volume}\" projects its token for the API server", projected.Audience);
            }

            var path = w.Path("serviceAccountName");
            if (bound.TryGetValue(ns, out var by))
            {
                var token = mounted == true ? "; its token is automounted" : "";
                unit.Fail($"runs as ServiceAccount {ns}/default, which is bound by {string.Join(", ", by)}{token}",
                    path, "default", severity: Severity.Medium, key: "defaultServiceAccount");
            }
            else if (mounted == true)
            {
                unit.Fail($"runs as ServiceAccount {ns}/default with its token mounted ({why})", path, "default", key: "defaultServiceAccount");
            }
            else if (mounted is null)
            {
                unit.Unknown(why);
            }
            else if (!accounts.BindingsComplete)
            {
                unit.Unknown("runs as the default ServiceAccount; its bindings are unknown because RoleBindings/ClusterRoleBindings were not collected");
            }
        }
    }
}
