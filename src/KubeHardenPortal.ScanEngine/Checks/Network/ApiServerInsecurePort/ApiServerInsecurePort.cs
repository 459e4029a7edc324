using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-013: the API server's unauthenticated insecure port is disabled (CATALOG.md §3).</summary>
public sealed class ApiServerInsecurePort : ApiServerFlagCheck
{
    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-013",
        Title = "API server insecure port disabled",
        Severity = Severity.Critical,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Control plane hardening (disable the unauthenticated local HTTP port)",
        Target = CheckTarget.ControlPlane,
        Rationale = "Before 1.20 the API server served plain HTTP on port 8080 by default, bypassing authentication and " +
                    "authorization: anyone reaching it (a pod on the host network, a local process) is cluster-admin.",
        Remediation = "Upgrade to a supported version (KH-UPG-001; the flag is gone from 1.24). On legacy versions set " +
                      "--insecure-port=0.",
        FixYaml = """
            - --insecure-port=0
            """,
        References = new(["C-0005"], [], null, []),
        Collectors = ['d', 'f'],
    };

    protected override void EvaluateApiServer(ScanContext context, ComponentFlags apiServer, Unit unit)
    {
        var value = apiServer["insecure-port"];
        var disabled = value is not null && value.Trim() == "0";
        var version = context.ServerVersion ?? ImageVersion(apiServer);
        var observed = value is null ? "<unset>" : "--insecure-port=" + value;
        if (version is null)
        {
            // Without a version only an explicit value decides: 0 is safe everywhere, anything else never is.
            if (value is null)
            {
                unit.Unknown("--insecure-port is not set and the Kubernetes version is unknown (before 1.20 the default serves plain HTTP on 8080)");
            }
            else if (!disabled)
            {
                unit.Fail($"--insecure-port={value}: the API server serves unauthenticated plain HTTP", apiServer.EvidencePath, observed, key: "insecure-port");
            }

            return;
        }

        var v = version.Value;
        if (v.AtLeast(1, 24))
        {
            unit.NotApplicable($"--insecure-port was removed in Kubernetes 1.24 (cluster {v})");
        }
        else if (v.AtLeast(1, 20))
        {
            if (value is not null && !disabled)
            {
                unit.Fail($"--insecure-port={value} on {v}: only 0 is allowed (the API server refuses to start otherwise)",
                    apiServer.EvidencePath, observed, key: "insecure-port");
            }
        }
        else if (!disabled)
        {
            unit.Fail(value is null
                    ? $"--insecure-port is not set on {v}: the default serves unauthenticated plain HTTP on port 8080"
                    : $"--insecure-port={value} on {v}: the API server serves unauthenticated plain HTTP",
                apiServer.EvidencePath, observed, key: "insecure-port");
        }
    }

    private static KubeVersion? ImageVersion(ComponentFlags apiServer)
    {
        var image = apiServer.Container.Json.Str("image");
        if (image is null)
        {
            return null;
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? KubeVersion.Parse(image[(colon + 1)..]) : null;
    }
}
