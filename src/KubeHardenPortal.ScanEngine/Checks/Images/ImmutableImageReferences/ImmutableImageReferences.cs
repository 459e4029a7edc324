using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Images;

/// <summary>
/// KH-IMG-001: image references are immutable (CATALOG.md §7). Per container: a digest passes; no tag or "latest"
/// fails (Medium); a tag without a digest fails Low unless the repository is digest-exempt for the tenant.
/// </summary>
public sealed class ImmutableImageReferences : ContainerCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-IMG-001",
        Title = "Immutable image references",
        Severity = Severity.Medium,
        Section = GuideSections.SupplyChain,
        GuideReference = "Pod security → Building secure container images (trusted, scanned images; a tag can be repointed after scanning)",
        Target = CheckTarget.Container,
        Rationale = "A tag is a movable pointer: the image that was scanned and approved is not necessarily the one a node " +
                    "pulls later, and \"latest\" (or no tag) changes with every push. Only a digest pins the exact content.",
        Remediation = "Reference images by digest (tag@sha256:…), e.g. resolved in CI or by an admission policy that " +
                      "mutates tags to digests.",
        FixYaml = """
            image: registry.example.org/app/api:2.0.0@sha256:3b1f0c5e9a7d2c4b6e8f0a1c3e5d7b9f1a3c5e7d9b1f3a5c7e9d1b3f5a7c9e1b
            """,
        References = new(["C-0075", "C-0306"], ["tagNotSpecified", "pullPolicyNotAlways"], null, []),
    };

    // Image references are not a Linux-only field.
    protected override bool AppliesToWindows => true;

    protected override void EvaluateContainer(ScanContext context, Workload workload, ContainerRef container, Unit unit)
    {
        var image = container.Json.Str("image");
        var path = container.Path + ".image";
        if (string.IsNullOrWhiteSpace(image))
        {
            unit.Unknown($"container \"{container.Name}\" has no image");
            return;
        }

        var reference = ImageReference.Parse(image);
        if (reference.Digest is not null)
        {
            return;
        }

        if (reference.Tag is null or "latest")
        {
            unit.Fail(reference.Tag is null
                    ? $"container \"{container.Name}\" image \"{image}\" has no tag or digest (implicit :latest)"
                    : $"container \"{container.Name}\" image \"{image}\" uses the mutable tag \"latest\" and no digest",
                path, image, container, key: "image");
            return;
        }

        if (!IsDigestExempt(reference.Repository, context.Options.DigestExemptRepositories))
        {
            unit.Fail($"container \"{container.Name}\" image \"{image}\" is tagged but not pinned to a digest",
                path, image, container, Severity.Low, key: "image");
        }
    }

    /// <summary>Exempt entries are repositories ("nginx", "registry.example.org/base/app") or path prefixes ending in "/*" ("bitnami/*").</summary>
    internal static bool IsDigestExempt(string repository, IReadOnlyList<string> exempt)
    {
        foreach (var entry in exempt)
        {
            var e = entry.Trim();
            if (e.EndsWith("/*", StringComparison.Ordinal))
            {
                var prefix = ImageReference.NormalizePrefix(e[..^2]) + "/";
                if (repository.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (string.Equals(ImageReference.Normalize(e), repository, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
