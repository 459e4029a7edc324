namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>Severity of a check or of one finding. Weights are in <see cref="SeverityWeights"/>.</summary>
public enum Severity
{
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>The state of one evaluation unit (check × object). See CATALOG.md §1.1.</summary>
public enum ResultStatus
{
    Pass,
    Fail,
    NotApplicable,
    Excluded,
    /// <summary>The data the check needs is not in the snapshot. Never reported as Pass.</summary>
    Unknown,
    /// <summary>Only an attestation can decide (CATALOG.md §9).</summary>
    Manual,
    /// <summary>A failure that a person accepted (exceptions; produced by the portal, not the CLI).</summary>
    Excepted,
}

/// <summary>Which part of the cluster a check looks at; used for grouping and documentation.</summary>
public enum CheckTarget
{
    Container,
    PodSpec,
    Namespace,
    Rbac,
    ControlPlane,
    Kubelet,
    Cluster,
    Object,
}

public enum ContainerType
{
    Init,
    Regular,
    Ephemeral,
}

public static class SeverityWeights
{
    /// <summary>CATALOG.md §8.2: Critical 10, High 7, Medium 4, Low 1.</summary>
    public static double Weight(this Severity s) => s switch
    {
        Severity.Critical => 10,
        Severity.High => 7,
        Severity.Medium => 4,
        _ => 1,
    };

    public static string Text(this Severity s) => s switch
    {
        Severity.Critical => "critical",
        Severity.High => "high",
        Severity.Medium => "medium",
        _ => "low",
    };

    public static string Text(this ResultStatus s) => s switch
    {
        ResultStatus.Pass => "pass",
        ResultStatus.Fail => "fail",
        ResultStatus.NotApplicable => "notApplicable",
        ResultStatus.Excluded => "excluded",
        ResultStatus.Unknown => "unknown",
        ResultStatus.Manual => "manual",
        _ => "excepted",
    };

    public static bool TryParse(string text, out Severity severity)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "critical": severity = Severity.Critical; return true;
            case "high": severity = Severity.High; return true;
            case "medium": severity = Severity.Medium; return true;
            case "low": severity = Severity.Low; return true;
            default: severity = Severity.Low; return false;
        }
    }
}
