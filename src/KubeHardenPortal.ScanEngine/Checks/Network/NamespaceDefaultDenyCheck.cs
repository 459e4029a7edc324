using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>
/// Shared logic of KH-NET-001/002 (CATALOG.md §3): a namespace passes with a default-deny policy for the direction
/// (native or an interpreted CRD), fails when none exists or when an all-pod allow-everything rule neutralises it,
/// and is Unknown when only policies the engine cannot interpret might provide it.
/// </summary>
public abstract class NamespaceDefaultDenyCheck : NamespaceCheck
{
    protected abstract PolicyDirection Direction { get; }

    protected override IReadOnlyList<string> RequiredResources { get; } = ["networkpolicies"];

    protected override void EvaluateNamespace(ScanContext context, NamespaceInfo ns, Unit unit)
    {
        var engine = context.NetworkPolicies;
        var dir = Direction == PolicyDirection.Ingress ? "ingress" : "egress";
        var r = engine.DefaultDeny(ns.Name, Direction);
        var notes = Notes(engine, ns.Name);

        if (r.Neutralisers.Count > 0)
        {
            var (p, rule) = r.Neutralisers[0];
            var what = r.HasDefaultDeny ? "default deny neutralised" : $"no default deny {dir}, and all {dir} is allowed";
            unit.Fail($"{what}: {p} selects all pods and {rule.Path} allows all {dir} (no {(Direction == PolicyDirection.Ingress ? "from" : "to")}, no ports){notes}",
                null, $"{p.Name}: {rule.Path}", key: "neutralised");
            return;
        }

        if (r.HasDefaultDeny)
        {
            if (engine.Cni.Verdict == CniEnforcement.NotEnforcing)
            {
                var by = r.NativeDenies.Count > 0 ? r.NativeDenies[0].ToString() : r.CrdDenies[0].ToString();
                unit.Fail($"default deny {dir} ({by}) is ineffective: {engine.Cni.Reason}", null, by, key: "ineffective");
            }

            AdviseOnDefaultDeny(context, ns, r, unit);
            return;
        }

        if (r.Uninterpretable.Count > 0)
        {
            unit.Unknown($"no NetworkPolicy is a default deny {dir}, and policies the engine cannot interpret may provide one: " +
                         string.Join("; ", r.Uninterpretable));
            return;
        }

        var crdNote = engine.Crd.AppliesTo(ns.Name) ? " (the policy CRDs that apply were interpreted: none is a default deny)" : "";
        var detail = r.Policies.Count == 0
            ? $"namespace \"{ns.Name}\" has no NetworkPolicy at all{crdNote}"
            : $"{r.Policies.Count} NetworkPolicies exist in namespace \"{ns.Name}\" but none is a default deny {dir} " +
              $"(podSelector: {{}}, policyTypes including {Capital(dir)}, no {dir} rules){crdNote}";
        unit.Fail(detail + notes, null, r.Policies.Count == 0 ? "no NetworkPolicy" : string.Join(", ", r.Policies.Select(p => p.Name)),
            key: "no-default-deny");
    }

    /// <summary>Advisories for a namespace that has a (non-neutralised) default deny; none by default.</summary>
    protected virtual void AdviseOnDefaultDeny(ScanContext context, NamespaceInfo ns, DefaultDenyResult result, Unit unit)
    {
    }

    private static string Notes(NetworkPolicyEngine engine, string ns)
    {
        var notes = "";
        if (engine.HasOnlyHostNetworkWorkloads(ns))
        {
            notes += "; note: every workload in the namespace uses hostNetwork, which NetworkPolicy cannot govern (not enforceable)";
        }

        if (engine.Cni.Verdict == CniEnforcement.NotEnforcing)
        {
            notes += "; ineffective anyway: " + engine.Cni.Reason;
        }

        return notes;
    }

    private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
