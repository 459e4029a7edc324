using System.Runtime.CompilerServices;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Pod;

/// <summary>One RoleBinding/ClusterRoleBinding subject that reaches a ServiceAccount.</summary>
/// <param name="Binding">The RoleBinding or ClusterRoleBinding.</param>
/// <param name="SubjectIndex">Index in subjects[], for evidence paths.</param>
/// <param name="ViaGroup">The subject is a group that contains the ServiceAccount (system:serviceaccounts...).</param>
public sealed record ServiceAccountGrant(KubeObject Binding, int SubjectIndex, string RoleKind, string RoleName, bool ViaGroup)
{
    public string SubjectPath => $"subjects[{SubjectIndex}]";

    public string Describe() => $"{Binding.Kind} {(Binding.Namespace is null ? "" : Binding.Namespace + "/")}{Binding.Name} → {RoleKind} {RoleName}";
}

/// <summary>
/// ServiceAccounts and the bindings whose subjects name them, indexed once per scan for KH-POD-013/014.
/// Deliberately small and local (subject matching only, no rule evaluation): the RBAC engine of CATALOG.md §1.9
/// answers "what can it do"; these checks only need "is it bound to anything".
/// </summary>
public sealed class ServiceAccountBindings
{
    /// <summary>Bootstrap roles every identity gets through group bindings; they do not make a token more valuable.</summary>
    private static readonly HashSet<string> DiscoveryRoles = new(StringComparer.Ordinal)
    {
        "system:discovery", "system:basic-user", "system:public-info-viewer", "system:service-account-issuer-discovery",
    };

    private static readonly ConditionalWeakTable<ScanContext, ServiceAccountBindings> Cache = new();

    private readonly Dictionary<(string Ns, string Name), KubeObject> _accounts = [];
    private readonly Dictionary<(string Ns, string Name), List<ServiceAccountGrant>> _direct = [];
    private readonly Dictionary<string, List<ServiceAccountGrant>> _groups = new(StringComparer.Ordinal);

    private ServiceAccountBindings(ScanContext context)
    {
        AccountsComplete = context.Snapshot.IsComplete("serviceaccounts");
        BindingsComplete = context.Snapshot.IsComplete("rolebindings.rbac.authorization.k8s.io") &&
                           context.Snapshot.IsComplete("clusterrolebindings.rbac.authorization.k8s.io");
        foreach (var sa in context.OfKind("ServiceAccount"))
        {
            if (sa.Namespace is not null)
            {
                _accounts[(sa.Namespace, sa.Name)] = sa;
            }
        }

        Index(context.OfKind("RoleBinding"), namespaced: true);
        Index(context.OfKind("ClusterRoleBinding"), namespaced: false);
    }

    public static ServiceAccountBindings For(ScanContext context) => Cache.GetValue(context, c => new ServiceAccountBindings(c));

    /// <summary>False when a cluster snapshot did not collect ServiceAccounts: a missing one may exist.</summary>
    public bool AccountsComplete { get; }

    /// <summary>False when RoleBindings or ClusterRoleBindings were not (fully) collected.</summary>
    public bool BindingsComplete { get; }

    public KubeObject? Account(string ns, string name) => _accounts.GetValueOrDefault((ns, name));

    /// <summary>Bindings whose subjects name this ServiceAccount explicitly (kind ServiceAccount).</summary>
    public IReadOnlyList<ServiceAccountGrant> Direct(string ns, string name) =>
        _direct.TryGetValue((ns, name), out var list) ? list : [];

    /// <summary>All direct bindings, for scanning every binding that names e.g. "default".</summary>
    public IEnumerable<KeyValuePair<(string Ns, string Name), List<ServiceAccountGrant>>> AllDirect => _direct;

    /// <summary>
    /// Direct and group bindings (system:serviceaccounts, system:serviceaccounts:&lt;ns&gt;, system:authenticated) of the
    /// ServiceAccount, without the bootstrap discovery roles (CATALOG.md KH-POD-013 rule 2).
    /// </summary>
    public List<ServiceAccountGrant> Meaningful(string ns, string name)
    {
        var result = new List<ServiceAccountGrant>();
        Add(result, Direct(ns, name));
        Add(result, _groups.GetValueOrDefault("system:serviceaccounts"));
        Add(result, _groups.GetValueOrDefault("system:serviceaccounts:" + ns));
        Add(result, _groups.GetValueOrDefault("system:authenticated"));
        return result;

        static void Add(List<ServiceAccountGrant> to, IReadOnlyList<ServiceAccountGrant>? from)
        {
            if (from is null)
            {
                return;
            }

            foreach (var g in from)
            {
                if (!(g.RoleKind == "ClusterRole" && DiscoveryRoles.Contains(g.RoleName)))
                {
                    to.Add(g);
                }
            }
        }
    }

    /// <summary>
    /// The namespace of a ServiceAccount subject: as written, or for a RoleBinding the binding's own namespace when
    /// omitted (upstream authorizer); null for a ClusterRoleBinding subject without one (invalid).
    /// </summary>
    public static string? SubjectNamespace(KubeObject binding, CompactJson subject, bool namespaced) =>
        subject.Str("namespace") is { Length: > 0 } ns ? ns : namespaced ? binding.Namespace : null;

    private void Index(IReadOnlyList<KubeObject> bindings, bool namespaced)
    {
        foreach (var b in bindings)
        {
            var roleRef = b.Json.Get("roleRef");
            var roleKind = roleRef.Str("kind") ?? "";
            var roleName = roleRef.Str("name") ?? "";
            var i = 0;
            foreach (var s in b.Json.Items("subjects"))
            {
                var index = i++;
                var kind = s.Str("kind");
                var name = s.Str("name");
                if (string.IsNullOrEmpty(name))
                {
                    continue;
                }

                if (kind == "ServiceAccount")
                {
                    var ns = SubjectNamespace(b, s, namespaced);
                    if (ns is null)
                    {
                        continue;
                    }

                    if (!_direct.TryGetValue((ns, name), out var list))
                    {
                        _direct[(ns, name)] = list = [];
                    }

                    list.Add(new ServiceAccountGrant(b, index, roleKind, roleName, ViaGroup: false));
                }
                else if (kind == "Group" && (name == "system:serviceaccounts" || name == "system:authenticated" ||
                                             name.StartsWith("system:serviceaccounts:", StringComparison.Ordinal)))
                {
                    if (!_groups.TryGetValue(name, out var list))
                    {
                        _groups[name] = list = [];
                    }

                    list.Add(new ServiceAccountGrant(b, index, roleKind, roleName, ViaGroup: true));
                }
            }
        }
    }
}
