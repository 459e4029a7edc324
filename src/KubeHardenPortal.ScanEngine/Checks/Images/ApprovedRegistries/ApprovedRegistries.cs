using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Images;

/// <summary>
/// KH-IMG-002: images come only from the tenant's approved registries (CATALOG.md §7). Without an allowlist the check
/// is one Manual unit for the cluster (not one per workload); with one, each workload is a unit and each container's
/// normalised image must start with an allowlisted registry[/path] at a path boundary.
/// </summary>
public sealed class ApprovedRegistries : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-IMG-002",
        Title = "Images only from approved registries",
        Severity = Severity.High,
        Section = GuideSections.SupplyChain,
        GuideReference = "Pod security → Building secure container images (use trusted repositories)",
        Target = CheckTarget.Container,
        Rationale = "Images pulled straight from public registries bypass the organisation's scanning, signing and " +
                    "retention controls, and typosquatted or hijacked repositories are a known supply-chain attack.",
        Remediation = "Mirror third-party images into the approved registry and update the references; enforce the " +
                      "allowlist with an admission policy.",
        FixYaml = """
            image: registry.example.org/mirror/docker.io/library/redis:7.2.5
            """,
        References = new(["C-0078", "C-0001"], [], null, ["5.5.1"]),
    };

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var allowed = context.Options.ApprovedRegistries
            .Where(e => !string.IsNullOrWhiteSpace(e))
            .Select(ImageReference.NormalizePrefix)
            .ToList();
        if (allowed.Count == 0)
        {
            results.Begin(context.ClusterRef).Manual(
                "no approved-registry list is configured for this tenant: configure one, or attest where images come from");
            return;
        }

        foreach (var w in context.Workloads)
        {
            if (context.IsExcluded(w.Namespace))
            {
                results.Excluded(w.Object);
                continue;
            }

            var unit = results.Begin(w.Object);
            foreach (var c in w.AllContainers)
            {
                var image = c.Json.Str("image");
                if (string.IsNullOrWhiteSpace(image))
                {
                    unit.Unknown($"container \"{c.Name}\" has no image");
                    continue;
                }

                var canonical = ImageReference.Parse(image).Canonical;
                if (!IsApproved(canonical, allowed))
                {
                    unit.Fail($"container \"{c.Name}\" image \"{image}\" ({canonical}) is not from an approved registry " +
                              $"({string.Join(", ", allowed.Take(5))}{(allowed.Count > 5 ? ", …" : "")})",
                        c.Path + ".image", image, c, key: "image");
                }
            }
        }
    }

    /// <summary>
    /// Prefix match at a path boundary: the character after the allowlisted prefix must be '/', ':' or '@' (or the end),
    /// so "registry.example.org" does not approve "registry.example.org.evil.com/…".
    /// </summary>
    internal static bool IsApproved(string canonical, IReadOnlyList<string> allowed)
    {
        foreach (var prefix in allowed)
        {
            if (canonical.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
                (canonical.Length == prefix.Length || canonical[prefix.Length] is '/' or ':' or '@'))
            {
                return true;
            }
        }

        return false;
    }
}
