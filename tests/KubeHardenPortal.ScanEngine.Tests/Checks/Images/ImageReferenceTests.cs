using KubeHardenPortal.ScanEngine.Checks.Images;
using KubeHardenPortal.ScanEngine.Evaluation;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Images;

/// <summary>Reference parsing and normalisation exactly as CATALOG.md KH-IMG-001/002 prescribe.</summary>
public sealed class ImageReferenceTests
{
    [Theory(DisplayName = "KH-IMG-001: digest first, then a tag only after the last '/'")]
    [InlineData("nginx", "nginx", null, null)]
    [InlineData("nginx:1.27", "nginx", "1.27", null)]
    [InlineData("registry:5000/app", "registry:5000/app", null, null)]
    [InlineData("registry:5000/app:v2", "registry:5000/app", "v2", null)]
    [InlineData("app@sha256:abc", "app", null, "sha256:abc")]
    [InlineData("registry:5000/team/app:v1@sha256:abc", "registry:5000/team/app", "v1", "sha256:abc")]
    [InlineData("nginx:", "nginx", null, null)]
    public void Parse(string raw, string name, string? tag, string? digest)
    {
        var r = ImageReference.Parse(raw);
        Assert.Equal((name, tag, digest), (r.Name, r.Tag, r.Digest));
    }

    [Theory(DisplayName = "KH-IMG-002: Docker Hub names normalise; registry hosts are kept")]
    [InlineData("nginx", "docker.io/library/nginx")]
    [InlineData("team/app", "docker.io/team/app")]
    [InlineData("docker.io/nginx", "docker.io/library/nginx")]
    [InlineData("index.docker.io/library/redis", "docker.io/library/redis")]
    [InlineData("localhost/app", "localhost/app")]
    [InlineData("localhost:5000/app", "localhost:5000/app")]
    [InlineData("Registry.Example.org/team/app", "registry.example.org/team/app")]
    [InlineData("registry.example.org", "docker.io/library/registry.example.org")] // one component is a Docker Hub name
    public void Normalize(string name, string expected) => Assert.Equal(expected, ImageReference.Normalize(name));

    [Theory(DisplayName = "KH-IMG-002: allowlist prefixes match only at a path boundary")]
    [InlineData("registry.example.org/app/api:1.0", true)]
    [InlineData("registry.example.org:443/app/api:1.0", true)]
    [InlineData("registry.example.org.evil.com/app/api:1.0", false)]
    [InlineData("registry.example.orgx/app:1.0", false)]
    [InlineData("quay.io/team/app@sha256:abc", true)]
    [InlineData("quay.io/teamevil/app:1", false)]
    [InlineData("quay.io/team:1", true)]
    public void Boundary(string image, bool approved)
    {
        var allowed = new[] { "registry.example.org", "quay.io/team" }.Select(ImageReference.NormalizePrefix).ToList();
        Assert.Equal(approved, ApprovedRegistries.IsApproved(ImageReference.Parse(image).Canonical, allowed));
    }

    [Theory(DisplayName = "KH-IMG-001: digest-exempt entries are repositories or path prefixes")]
    [InlineData("redis:7", true)]
    [InlineData("registry.example.org/base/toolbox:1", true)]
    [InlineData("registry.example.org/base:1", false)]
    [InlineData("registry.example.org/basement/x:1", false)]
    [InlineData("bitnami/redis:7", true)]
    public void DigestExempt(string image, bool exempt) =>
        Assert.Equal(exempt, ImmutableImageReferences.IsDigestExempt(ImageReference.Parse(image).Repository,
            ["docker.io/library/redis", "registry.example.org/base/*", "bitnami/*"]));

    [Theory(DisplayName = "KH-LOG-004: globs are case-insensitive and '*' spans '/'")]
    [InlineData("*/fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", true)]
    [InlineData("*/vector", "docker.io/timberio/vector", true)]
    [InlineData("*/vector", "docker.io/timberio/vectorizer", false)]
    [InlineData("k8s.gcr.io/*", "K8S.GCR.IO/pause", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("", "", true)]
    [InlineData("*", "", true)]
    [InlineData("*fluent-bit*", "docker.io/fluent/fluent-bit-plugins", true)]
    [InlineData("*/a*b/c", "x/ab/c", true)]
    [InlineData("*/a*b/c", "x/ab/cd", false)]
    [InlineData("ab*ba", "aba", false)]   // prefix and suffix may not overlap
    [InlineData("a**b", "ab", true)]
    [InlineData("exact", "EXACT", true)]
    public void Globs(string pattern, string text, bool matches) => Assert.Equal(matches, Glob.IsMatch(pattern, text));
}
