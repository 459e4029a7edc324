using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Rbac;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Auth;

/// <summary>One dangerous permission found in a grant (or in an unbound role).</summary>
/// <param name="Key">Stable id of the permission within the check (goes into the fingerprint with the subject).</param>
/// <param name="What">What it allows, as a verb phrase, e.g. "read Secrets (get, list)".</param>
/// <param name="Rules">The rules that grant it (evidence).</param>
/// <param name="Note">Extra context appended to the message.</param>
public sealed record PermissionFinding(string Key, Severity Severity, string What, IReadOnlyList<RuleMatch> Rules, string? Note = null);

/// <summary>
/// Shared shape of the per-subject RBAC permission checks (KH-AUTH-006, 008, 009, 010, 012), CATALOG.md §4.
/// <list type="bullet">
/// <item>One unit per binding: a finding per (subject, permission), attributed to the binding that grants it
/// (the object a person can fix), with the role, rule and scope in the message and evidence, and the subject in
/// the fingerprint key.</item>
/// <item>One unit per role no binding references. In manifests (or when bindings were not fully collected) such a
/// role may be bound elsewhere: a dangerous one is reported on the role at the normal severity ("no binding in the
/// scanned input; granted to whoever is bound to it"). In a cluster snapshot with all bindings collected it is
/// only a Low "latent" finding.</item>
/// <item>A binding whose role is not in the input is Unknown in manifests (not a failure); in a complete cluster
/// snapshot a binding to a missing role grants nothing (NotApplicable).</item>
/// <item>Bootstrap objects whose content matches the upstream baseline are NotApplicable; only extra subjects and
/// rules beyond the baseline are evaluated. Subjects in system:masters are skipped: they are authorised before
/// RBAC, so a binding adds nothing for them.</item>
/// </list>
/// </summary>
public abstract class RbacPermissionCheck : Check
{
    public const string UnboundReason = "no binding in the scanned input; granted to whoever is bound to it";
    public const string LatentReason = "latent: no binding references it; it would grant this to whoever is bound to it";

    public sealed override void Evaluate(ScanContext context, CheckResults results)
    {
        var rbac = context.Rbac;
        if (rbac.IsClusterSnapshot && rbac.MissingResources.Count > 0)
        {
            results.Unknown(context.ClusterRef,
                $"RBAC not fully collected ({string.Join(", ", rbac.MissingResources)}): grants through the missing objects are not evaluated");
        }

        var state = new Run(Prepare(context));
        foreach (var binding in rbac.Bindings)
        {
            EvaluateBinding(context, state, binding, results);
        }

        foreach (var role in rbac.Roles)
        {
            if (role.Object is not null && !role.IsBound)
            {
                EvaluateUnboundRole(context, state, role, results);
            }
        }

        EvaluateMore(context, results);
    }

    /// <summary>Per-scan facts the check needs (computed once, before the units).</summary>
    protected virtual object? Prepare(ScanContext context) => null;

    /// <summary>
    /// What of the subject <see cref="Assess"/> reads, as a cache key: "" when the assessment ignores the subject
    /// (the default), null to disable caching. The same role is bound to many subjects and in many namespaces, so the
    /// assessment is computed once per (rules, role, scope, subject key).
    /// </summary>
    protected virtual string? AssessSubjectKey(RbacSubject? subject, object? state) => "";

    /// <summary>False when <see cref="Assess"/> reads only whether the scope is cluster-wide, not which namespace.</summary>
    protected virtual bool AssessReadsNamespace => true;

    /// <summary>
    /// What of a namespaced scope <see cref="Assess"/> reads, as a cache key: the namespace (or null, per
    /// <see cref="AssessReadsNamespace"/>) unless a check knows a coarser class of namespaces suffices.
    /// </summary>
    protected virtual string? AssessScopeKey(RbacAccess access, object? state) => AssessReadsNamespace ? access.Namespace : null;

    private readonly record struct AssessKey(IReadOnlyList<RbacRule> Rules, RbacRole Role, bool IsCluster, string? Namespace, string Subject);

    /// <summary>State of one evaluation: the check's prepared facts and the assessment cache.</summary>
    private sealed class Run(object? prepared)
    {
        public object? Prepared { get; } = prepared;

        public Dictionary<AssessKey, PermissionFinding[]> Assessed { get; } = [];

        /// <summary>The findings of the assessment in progress (copied out into the cache).</summary>
        public List<PermissionFinding> Found { get; } = [];

        /// <summary>
        /// "(rules[..])" and the evidence text of a role's granting rules, rendered once for every subject and finding
        /// they apply to: findings assessed apart (another namespace or subject) often name the same rules.
        /// </summary>
        public Dictionary<(IReadOnlyList<RuleMatch> Rules, RbacRole Role), (string Where, string Evidence)> Rendered { get; } =
            new(RenderKeyComparer.Instance);

        private readonly Dictionary<(string Subject, string Finding), string> _keys = [];

        /// <summary>The fingerprint key "subject|finding", made once per scan: a subject is often bound many times.</summary>
        public string FindingKey(RbacSubject subject, PermissionFinding f)
        {
            ref var key = ref CollectionsMarshal.GetValueRefOrAddDefault(_keys, (subject.Key, f.Key), out _);
            return key ??= subject.Key + "|" + f.Key;
        }
    }

    /// <summary>Same role and the same granting rules in the same order (what <see cref="Where"/> and <see cref="Evidence"/> read).</summary>
    private sealed class RenderKeyComparer : IEqualityComparer<(IReadOnlyList<RuleMatch> Rules, RbacRole Role)>
    {
        public static readonly RenderKeyComparer Instance = new();

        public bool Equals((IReadOnlyList<RuleMatch> Rules, RbacRole Role) x, (IReadOnlyList<RuleMatch> Rules, RbacRole Role) y)
        {
            if (!ReferenceEquals(x.Role, y.Role) || x.Rules.Count != y.Rules.Count)
            {
                return false;
            }

            for (var i = 0; i < x.Rules.Count; i++)
            {
                if (!ReferenceEquals(x.Rules[i].Rule, y.Rules[i].Rule))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode((IReadOnlyList<RuleMatch> Rules, RbacRole Role) k)
        {
            var hash = new HashCode();
            hash.Add(RuntimeHelpers.GetHashCode(k.Role));
            for (var i = 0; i < k.Rules.Count; i++)
            {
                hash.Add(RuntimeHelpers.GetHashCode(k.Rules[i].Rule));
            }

            return hash.ToHashCode();
        }
    }

    private static (string Where, string Evidence) Render(Run run, PermissionFinding f, RbacRole role)
    {
        if (!run.Rendered.TryGetValue((f.Rules, role), out var r))
        {
            r = (Where(f.Rules), Evidence(role, f.Rules));
            run.Rendered[(f.Rules, role)] = r;
        }

        return r;
    }

    private PermissionFinding[] AssessCached(ScanContext context, Run run, RbacAccess access, RbacSubject? subject, RbacRole role)
    {
        if (AssessSubjectKey(subject, run.Prepared) is not { } subjectKey)
        {
            return AssessNow(context, run, access, subject, role);
        }

        var key = new AssessKey(access.Rules, role, access.IsCluster, AssessScopeKey(access, run.Prepared), subjectKey);
        if (!run.Assessed.TryGetValue(key, out var found))
        {
            found = AssessNow(context, run, access, subject, role);
            run.Assessed[key] = found;
        }

        return found;
    }

    private PermissionFinding[] AssessNow(ScanContext context, Run run, RbacAccess access, RbacSubject? subject, RbacRole role)
    {
        var found = run.Found;
        found.Clear();
        Assess(context, run.Prepared, access, subject, role, found);
        return found.Count == 0 ? [] : [.. found];
    }

    /// <summary>Units beyond bindings and roles (e.g. the EKS aws-auth ConfigMap for KH-AUTH-006).</summary>
    protected virtual void EvaluateMore(ScanContext context, CheckResults results)
    {
    }

    /// <summary>
    /// The dangerous permissions in <paramref name="access"/>. <paramref name="subject"/> is null for an unbound
    /// role (whoever will be bound to it).
    /// </summary>
    /// <remarks>Adds to <paramref name="found"/> (a list reused by the check) rather than yielding: most grants are
    /// assessed once per scope and subject kind, and an iterator per assessment was a measurable share of a scan.</remarks>
    protected abstract void Assess(ScanContext context, object? state, RbacAccess access, RbacSubject? subject, RbacRole role,
        List<PermissionFinding> found);

    /// <summary>
    /// A reason when this grant is scored by another check instead ("linked, not double-scored"), e.g. KH-AUTH-010
    /// for subjects that are already admin-equivalent (KH-AUTH-006).
    /// </summary>
    protected virtual string? ScoredElsewhere(ScanContext context, RbacAccess access, RbacSubject? subject, RbacRole role) => null;

    private void EvaluateBinding(ScanContext context, Run state, RbacBinding binding, CheckResults results)
    {
        if (binding.Subjects.Count == 0)
        {
            results.NotApplicable(binding.Object, $"{binding.Display} has no subjects: it grants nothing");
            return;
        }

        switch (binding.Resolution)
        {
            case RoleResolution.Invalid:
                results.NotApplicable(binding.Object, $"{binding.Display} references {binding.RoleDisplay}, which it cannot bind: it grants nothing");
                return;
            case RoleResolution.Missing:
                results.NotApplicable(binding.Object, $"{binding.RoleDisplay} does not exist in the cluster: {binding.Display} grants nothing");
                return;
            case RoleResolution.NotInInput:
                results.Unknown(binding.Object.Ref,
                    $"{binding.RoleDisplay} referenced by {binding.Display} is not in the scanned input, so what it grants is unknown",
                    binding.Object.Source);
                return;
        }

        if (binding.IsFullyBootstrap)
        {
            results.NotApplicable(binding.Object, $"{binding.Display} is bootstrap policy whose content matches the upstream baseline");
            return;
        }

        var unit = results.Begin(binding.Object);
        List<string>? linked = null; // rare: most bindings are not scored elsewhere

        // The binding formats its scope text once; RbacAccess.ScopeText would format it per call.
        var scope = binding.ScopeText;
        var grants = context.Rbac.Grants(binding);
        for (var i = 0; i < grants.Count; i++)
        {
            var grant = grants[i];
            var subject = grant.Subject;
            if (subject.IsMasters || grant.Rules.Count == 0)
            {
                continue;
            }

            if (ScoredElsewhere(context, grant.Access, subject, grant.Role) is { } why)
            {
                (linked ??= []).Add($"{subject.Display}: {why}");
                continue;
            }

            var beyond = binding.IsBootstrapSubject(subject) ? " (beyond the upstream bootstrap policy)" : "";
            var role = grant.Role;
            foreach (var f in AssessCached(context, state, grant.Access, subject, role))
            {
                var (where, evidence) = Render(state, f, role);
                var key = state.FindingKey(subject, f);

                // Interpolated straight into Fail: the message is formatted into the unit's buffer, not into a string.
                unit.Fail($"{subject.Display} can {f.What} {scope} via {role.Display}{beyond} {where}{NoteOf(f)}{f.Note}",
                    subject.Path, evidence, severity: f.Severity, key: key);
            }
        }

        if (!unit.HasFailures && linked is not null)
        {
            unit.NotApplicable(string.Join("; ", linked));
        }
    }

    private void EvaluateUnboundRole(ScanContext context, Run state, RbacRole role, CheckResults results)
    {
        var rules = role.OwnEvaluatedRules;
        if (rules.Count == 0 && role.Bootstrap != BootstrapStatus.None)
        {
            results.NotApplicable(role.Object!, $"{role.Display} is bootstrap policy whose content matches the upstream baseline");
            return;
        }

        var access = new RbacAccess(rules, role.IsClusterRole, role.Namespace) { Cache = context.Rbac.Matches };
        var unit = results.Begin(role.Object!);
        if (ScoredElsewhere(context, access, null, role) is { } why)
        {
            unit.NotApplicable(why);
            return;
        }

        var latent = context.Rbac.BindingsComplete;
        var scope = role.IsClusterRole ? "wherever it is bound" : access.ScopeText;
        var reason = latent ? LatentReason : UnboundReason;
        foreach (var f in AssessCached(context, state, access, null, role))
        {
            var where = Where(f.Rules);
            var severity = latent ? Severity.Low : f.Severity;
            unit.Fail($"{role.Display} {where} lets its subjects {f.What} {scope}{NoteOf(f)}{f.Note} — {reason}",
                FirstPath(f.Rules), Evidence(role, f.Rules), severity: severity, key: f.Key);
        }
    }

    /// <summary>The separator before a finding's note ("; "), or nothing when it has none.</summary>
    private static string NoteOf(PermissionFinding f) => f.Note is null ? "" : "; ";

    /// <summary>
    /// What a group of probes allows, for a finding that lists them: one label per allowed probe, the granting rules,
    /// and whether every allowed probe is limited to named objects. Made on the first allowed probe (most grants allow none).
    /// </summary>
    protected sealed class AllowedProbes
    {
        public List<string> Parts { get; } = [];

        public List<RuleMatch> Rules { get; } = [];

        public bool NamedOnly { get; private set; } = true;

        public void Add(string part, PermissionMatch match)
        {
            Parts.Add(part);
            Rules.AddRange(match.Rules);
            NamedOnly &= match.NamedOnly;
        }

        /// <summary>The labels joined with "; ".</summary>
        public string Text => string.Join("; ", Parts);
    }

    /// <summary>
    /// The probes <paramref name="access"/> allows, labelled by <paramref name="label"/> (pass a static lambda);
    /// null when it allows none. <paramref name="into"/> continues an earlier collection.
    /// </summary>
    protected static AllowedProbes? Allowed(RbacAccess access, IReadOnlyList<PermissionProbe> probes,
        Func<PermissionProbe, PermissionMatch, string> label, AllowedProbes? into = null)
    {
        for (var i = 0; i < probes.Count; i++)
        {
            var m = access.Allows(probes[i]);
            if (m.Any)
            {
                (into ??= new AllowedProbes()).Add(label(probes[i], m), m);
            }
        }

        return into;
    }

    /// <summary>"get/list secrets": the allowed verbs and the probe's resource, the usual label for <see cref="Allowed"/>.</summary>
    protected static string VerbsOnResource(PermissionProbe probe, PermissionMatch m) => $"{string.Join('/', m.Verbs)} {probe.Resource}";

    private static string? FirstPath(IReadOnlyList<RuleMatch> rules)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Rule.Path is { } path)
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>"(rules[0], rules[2])" naming the granting rules.</summary>
    protected static string Where(IReadOnlyList<RuleMatch> rules)
    {
        switch (rules.Count)
        {
            case 0:
                return "";
            case 1:
                return "(" + rules[0].Rule.Locator + ")";
        }

        // Distinct locators in first-seen order; the lists are short, so a scan beats a hash set.
        var sb = (EvidenceBuilder ??= new StringBuilder(512)).Clear().Append('(').Append(rules[0].Rule.Locator);
        for (var i = 1; i < rules.Count; i++)
        {
            var locator = rules[i].Rule.Locator;
            if (!SeenBefore(rules, i, locator))
            {
                sb.Append(", ").Append(locator);
            }
        }

        return sb.Append(')').ToString();
    }

    private static bool SeenBefore(IReadOnlyList<RuleMatch> rules, int end, string locator)
    {
        for (var j = 0; j < end; j++)
        {
            if (string.Equals(rules[j].Rule.Locator, locator, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes later matches of a rule already in the list (keeps first-seen order), in place.</summary>
    protected static List<RuleMatch> DistinctRules(List<RuleMatch> rules)
    {
        var kept = 0;
        for (var i = 0; i < rules.Count; i++)
        {
            var seen = false;
            for (var j = 0; j < kept && !seen; j++)
            {
                seen = ReferenceEquals(rules[j].Rule, rules[i].Rule);
            }

            if (!seen)
            {
                rules[kept++] = rules[i];
            }
        }

        rules.RemoveRange(kept, rules.Count - kept);
        return rules;
    }

    [ThreadStatic]
    private static StringBuilder? EvidenceBuilder;

    /// <summary>Evidence value: the role and the granting rules.</summary>
    protected static string Evidence(RbacRole role, IReadOnlyList<RuleMatch> rules)
    {
        // One builder per thread: this runs for every (role, scope) a dangerous grant is found in.
        var sb = (EvidenceBuilder ??= new StringBuilder(512)).Clear().Append(role.Display);
        for (var i = 0; i < rules.Count && i < 4; i++)
        {
            sb.Append("; ").Append(rules[i].Rule.Locator).Append(": ").Append(rules[i].Rule.ToString());
        }

        if (rules.Count > 4)
        {
            sb.Append("; …");
        }

        return sb.ToString();
    }

    /// <summary>"get, list" or "get, list on orders-db" for named-only grants.</summary>
    protected static string Verbs(PermissionMatch m) =>
        string.Join(", ", m.Verbs) + (m.NamedOnly ? " on named objects: " + string.Join(", ", m.ResourceNames) : "");
}
