namespace KubeHardenPortal.ScanEngine.Model;

/// <summary>Where an object came from: a file and the 1-based line its document or list item starts on.</summary>
public sealed record SourceLocation(string File, int? Line);

/// <summary>Identifies a Kubernetes object. Cluster-scoped objects have a null namespace.</summary>
public sealed record ResourceRef(string ApiVersion, string Kind, string? Namespace, string Name)
{
    public override string ToString() =>
        Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>The container a finding is about.</summary>
public sealed record ContainerInfo(string Name, ContainerType Type);

/// <summary>The offending field (JSON path from the object root) and its observed value (masked for secrets).</summary>
public sealed record Evidence(string Path, string? Value);

/// <summary>A file or document that could not be loaded. Line is 1-based when known.</summary>
public sealed record InputError(string File, int? Line, string Message)
{
    public override string ToString() => Line is { } l ? $"{File}:{l}: {Message}" : $"{File}: {Message}";
}

/// <summary>
/// One reported result of a check on one object (and container / sub-object). Pass results are counted,
/// not listed; findings are the Fail, Unknown, Manual and Excepted results.
/// </summary>
public sealed record Finding(
    string CheckId,
    Severity Severity,
    ResultStatus Status,
    ResourceRef Resource,
    ContainerInfo? Container,
    string Message,
    Evidence? Evidence,
    SourceLocation? Source,
    string Fingerprint,
    string? SubKey);

/// <summary>
/// Informational note about one object (CATALOG.md: "advisory"). Kept apart from <see cref="Finding"/> on purpose:
/// an advisory has no severity and no status, never changes a unit's outcome or the score (§8), and never gates
/// --fail-on, so consumers that count or persist findings cannot mistake one for a failure.
/// </summary>
public sealed record Advisory(
    string CheckId,
    ResourceRef Resource,
    ContainerInfo? Container,
    string Message,
    Evidence? Evidence,
    SourceLocation? Source,
    string Fingerprint,
    string? SubKey);
