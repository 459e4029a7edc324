using System.Globalization;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Images;

/// <summary>
/// KH-IMG-003: running images are free of critical, fixable vulnerabilities (CATALOG.md §7). Reads scanner results in
/// the snapshot — Trivy Operator VulnerabilityReport objects (aquasecurity.github.io/v1alpha1) — matched to each
/// container by digest in use (image reference, or containerStatuses[*].imageID of its pods), else by repository and
/// tag. No report, or none newer than the freshness limit → Unknown; no scanner data at all → one Unknown for the cluster.
/// </summary>
public sealed class ImageVulnerabilities : Check
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-IMG-003",
        Title = "Running images free of critical, fixable vulnerabilities",
        Severity = Severity.High,
        Section = GuideSections.SupplyChain,
        GuideReference = "Pod security → Building secure container images (scan images); Upgrading (regular vulnerability scanning)",
        Target = CheckTarget.Container,
        Rationale = "A Critical vulnerability with a published fix is the easiest kind to exploit: the advisory tells " +
                    "attackers where to look, and the only barrier is the time the team takes to rebuild and redeploy.",
        Remediation = "Rebuild on a patched base image and redeploy within the SLA; gate deployments with an admission " +
                      "policy that rejects images with fixable Critical vulnerabilities; keep the scanner's reports fresh.",
        FixYaml = """
            # Rebuild on a patched base and pin the new digest
            image: registry.example.org/app/api:2.0.1@sha256:9c0e5a7f1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a
            """,
        References = CheckReferences.None, // §10 lists "scanner controls" (no single kubescape id)
        Collectors = ['a', 'i'],
    };

    private const string ReportGroup = "aquasecurity.github.io";

    /// <summary>What a report says, computed once per report however many containers it matches.</summary>
    private sealed record ReportFacts(KubeObject Report, DateTimeOffset? Scanned, long Critical, long High,
        List<string> CriticalPastSla, bool HasDetails);

    public override void Evaluate(ScanContext context, CheckResults results)
    {
        var reports = context.OfKind("VulnerabilityReport").Where(r => r.Group == ReportGroup).ToList();
        if (reports.Count == 0)
        {
            var collected = !context.IsManifestScan && context.Snapshot.IsComplete("vulnerabilityreports.aquasecurity.github.io");
            results.Unknown(context.ClusterRef, collected
                ? "the image scanner has produced no VulnerabilityReports"
                : "no image scanner data (Trivy Operator VulnerabilityReport objects) in the snapshot");
            return;
        }

        var index = new ReportIndex(reports, context.Options);
        var digestsInUse = DigestsInUse(context);
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
                EvaluateContainer(context, w, c, index, digestsInUse, unit);
            }
        }
    }

    private static void EvaluateContainer(ScanContext context, Workload w, ContainerRef c, ReportIndex index,
        Dictionary<string, HashSet<string>> digestsInUse, Unit unit)
    {
        var image = c.Json.Str("image");
        if (string.IsNullOrWhiteSpace(image))
        {
            unit.Unknown($"container \"{c.Name}\" has no image");
            return;
        }

        var reference = ImageReference.Parse(image);
        var digests = new List<string>();
        if (reference.Digest is not null)
        {
            digests.Add(reference.Digest);
        }

        if (digestsInUse.TryGetValue(w.Namespace + "\u001f" + image, out var running))
        {
            digests.AddRange(running);
        }

        var facts = index.ByDigest(digests);
        var matchedBy = "digest";
        if (facts is null && reference.Digest is null)
        {
            facts = index.ByTag(reference.Repository, reference.Tag ?? "latest");
            matchedBy = "tag";
        }

        var o = context.Options;
        if (facts is null)
        {
            unit.Unknown($"container \"{c.Name}\": no vulnerability report for {image}");
            return;
        }

        if (facts.Scanned is not { } scanned)
        {
            unit.Unknown($"container \"{c.Name}\": report {facts.Report.Namespace}/{facts.Report.Name} has no scan time");
            return;
        }

        var age = (o.Now - scanned).TotalDays;
        if (age > o.VulnerabilityScanMaxAgeDays)
        {
            unit.Unknown($"container \"{c.Name}\": the newest report for {image} is {(int)age} days old (limit {o.VulnerabilityScanMaxAgeDays})");
            return;
        }

        var path = c.Path + ".image";
        var source = $"report {facts.Report.Namespace}/{facts.Report.Name} (matched by {matchedBy}, scanned {scanned:yyyy-MM-dd}; " +
                     $"critical {facts.Critical}, high {facts.High})";
        if (facts.CriticalPastSla.Count > 0)
        {
            var n = facts.CriticalPastSla.Count;
            unit.Fail($"container \"{c.Name}\" image {image}: {n} Critical {(n == 1 ? "vulnerability" : "vulnerabilities")} with a fix " +
                      $"available, known longer than {o.VulnerabilityFixSlaDays} days: {string.Join(", ", facts.CriticalPastSla.Take(5))}" +
                      $"{(facts.CriticalPastSla.Count > 5 ? ", …" : "")} — {source}",
                path, image, c, key: "critical-fixable");
        }
        else if (!facts.HasDetails && facts.Critical > 0)
        {
            unit.Unknown($"container \"{c.Name}\": {source} lists counts only, so whether its Critical vulnerabilities are fixable is unknown");
        }

        if (o.MaxCriticalVulnerabilities is { } maxCritical && facts.Critical > maxCritical)
        {
            unit.Fail($"container \"{c.Name}\" image {image}: {facts.Critical} Critical vulnerabilities exceed the limit of {maxCritical} — {source}",
                path, image, c, key: "critical-count");
        }

        if (o.MaxHighVulnerabilities is { } maxHigh && facts.High > maxHigh)
        {
            unit.Fail($"container \"{c.Name}\" image {image}: {facts.High} High vulnerabilities exceed the limit of {maxHigh} — {source}",
                path, image, c, key: "high-count");
        }
    }

    /// <summary>
    /// Digests actually running, keyed by namespace + image string as written in the pod spec: a controller's template
    /// carries the same string as its pods, so one index serves Pods and controllers alike.
    /// </summary>
    private static Dictionary<string, HashSet<string>> DigestsInUse(ScanContext context)
    {
        var map = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var pod in context.OfKind("Pod"))
        {
            var spec = pod.Json.Get("spec");
            var status = pod.Json.Get("status");
            foreach (var (specField, statusField) in ContainerFields)
            {
                foreach (var cs in status.Items(statusField))
                {
                    if (cs.Str("imageID") is not { Length: > 0 } imageId || cs.Str("name") is not { } name)
                    {
                        continue;
                    }

                    foreach (var c in spec.Items(specField))
                    {
                        if (c.Str("name") == name && c.Str("image") is { } image)
                        {
                            var key = pod.Namespace + "\u001f" + image;
                            if (!map.TryGetValue(key, out var set))
                            {
                                map[key] = set = new HashSet<string>(StringComparer.Ordinal);
                            }

                            var at = imageId.LastIndexOf('@');
                            set.Add(at >= 0 ? imageId[(at + 1)..] : imageId);
                        }
                    }
                }
            }
        }

        return map;
    }

    private static readonly (string Spec, string Status)[] ContainerFields =
    [
        ("containers", "containerStatuses"),
        ("initContainers", "initContainerStatuses"),
        ("ephemeralContainers", "ephemeralContainerStatuses"),
    ];

    /// <summary>Reports indexed by artifact digest and by canonical repository + tag; the newest report wins.</summary>
    private sealed class ReportIndex
    {
        private readonly Dictionary<string, ReportFacts> _byDigest = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ReportFacts> _byTag = new(StringComparer.OrdinalIgnoreCase);

        public ReportIndex(List<KubeObject> reports, ScanOptions options)
        {
            foreach (var r in reports)
            {
                var facts = Read(r, options);
                var artifact = r.Json.Get("report").Get("artifact");
                if (artifact.Str("digest") is { Length: > 0 } digest)
                {
                    Keep(_byDigest, digest, facts);
                }

                if (artifact.Str("repository") is { Length: > 0 } repository)
                {
                    var server = r.Json.Get("report").Get("registry").Str("server");
                    var repo = ImageReference.Normalize(string.IsNullOrEmpty(server) ? repository : server + "/" + repository);
                    Keep(_byTag, repo + ":" + (artifact.Str("tag") is { Length: > 0 } tag ? tag : "latest"), facts);
                }
            }
        }

        public ReportFacts? ByDigest(List<string> digests)
        {
            ReportFacts? best = null;
            foreach (var d in digests)
            {
                if (_byDigest.TryGetValue(d, out var f) && (best is null || Newer(f, best)))
                {
                    best = f;
                }
            }

            return best;
        }

        public ReportFacts? ByTag(string repository, string tag) => _byTag.GetValueOrDefault(repository + ":" + tag);

        private static void Keep(Dictionary<string, ReportFacts> map, string key, ReportFacts facts)
        {
            if (!map.TryGetValue(key, out var existing) || Newer(facts, existing))
            {
                map[key] = facts;
            }
        }

        private static bool Newer(ReportFacts a, ReportFacts b) => (a.Scanned ?? DateTimeOffset.MinValue) > (b.Scanned ?? DateTimeOffset.MinValue);

        private static ReportFacts Read(KubeObject r, ScanOptions options)
        {
            var report = r.Json.Get("report");
            var scanned = ParseTime(report.Str("updateTimestamp")) ?? ParseTime(r.Metadata.Str("creationTimestamp"));
            var vulns = report.Get("vulnerabilities");
            var hasDetails = vulns.ValueKind == System.Text.Json.JsonValueKind.Array;
            long critical = 0, high = 0;
            var pastSla = new List<string>();
            foreach (var v in vulns.Items())
            {
                var severity = v.Str("severity");
                if (string.Equals(severity, "HIGH", StringComparison.OrdinalIgnoreCase))
                {
                    high++;
                }

                if (!string.Equals(severity, "CRITICAL", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                critical++;
                if (string.IsNullOrWhiteSpace(v.Str("fixedVersion")))
                {
                    continue;
                }

                // Known since publication; a report without the date cannot prove the SLA has not run out.
                var published = ParseTime(v.Str("publishedDate"));
                if (published is null || (options.Now - published.Value).TotalDays > options.VulnerabilityFixSlaDays)
                {
                    var id = v.Str("vulnerabilityID") ?? "?";
                    pastSla.Add(published is null ? id + " (publication date not reported)" : id);
                }
            }

            var summary = report.Get("summary");
            return new ReportFacts(r, scanned,
                summary.Long("criticalCount") ?? critical,
                summary.Long("highCount") ?? high,
                pastSla, hasDetails);
        }

        private static DateTimeOffset? ParseTime(string? s) =>
            DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }
}
