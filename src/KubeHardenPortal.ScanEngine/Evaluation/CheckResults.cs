using System.Runtime.CompilerServices;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// One failed requirement inside an evaluation unit. The message is a range of the unit's message buffer: it is encoded
/// into the findings store when the unit completes and never exists as a string of its own.
/// </summary>
internal readonly record struct Violation(
    int MessageStart,
    int MessageLength,
    string? Path,
    string? Observed,
    ContainerRef? Container,
    Severity Severity,
    string? Key);

/// <summary>An informational note inside an evaluation unit; it never changes the unit's outcome.</summary>
internal sealed record AdviceNote(string Message, string? Path, string? Observed, ContainerRef? Container, string? Key);

/// <summary>
/// The unit being evaluated (check × object). A check calls <see cref="Fail(string, string?, string?, ContainerRef?, Severity?, string?)"/>,
/// <see cref="Unknown"/> or <see cref="NotApplicable"/>; a unit with none of these is a Pass. Container results roll up to the object.
/// </summary>
public sealed class Unit
{
    private readonly CheckResults _owner;

    // Reused for every unit of the check: a 50,000-object scan fails ~50,000 times, and a list, a record and a message
    // string per failure were a sixth of what an evaluation allocated.
    private readonly List<Violation> _violations = [];
    private char[] _messages = new char[256];
    private int _messagesUsed;
    private int _messageStart;
    private List<AdviceNote>? _advice;

    internal Unit(CheckResults owner) => _owner = owner;

    internal ResourceRef Resource { get; private set; } = null!;
    internal SourceLocation? Source { get; private set; }
    internal ResultStatus? Forced { get; private set; }
    internal string? Reason { get; private set; }
    internal List<Violation> Violations => _violations;
    internal List<AdviceNote>? Advice => _advice;

    internal void Reset(ResourceRef resource, SourceLocation? source)
    {
        Resource = resource;
        Source = source;
        Forced = null;
        Reason = null;
        _violations.Clear();
        _messagesUsed = 0;
        _advice = null;
    }

    internal ReadOnlySpan<char> MessageOf(in Violation v) => _messages.AsSpan(v.MessageStart, v.MessageLength);

    public bool HasFailures => _violations.Count > 0;

    /// <summary>
    /// Records a failed requirement. <paramref name="path"/> is the JSON path from the object root and
    /// <paramref name="observed"/> the offending value (mask secrets before passing them). <paramref name="key"/>
    /// distinguishes several failures of one object/container in the fingerprint; it defaults to the path
    /// relative to the container (or the path itself), so keep paths stable.
    /// </summary>
    public void Fail(string message, string? path = null, string? observed = null, ContainerRef? container = null,
        Severity? severity = null, string? key = null)
    {
        BeginMessage(message.Length);
        AppendMessage(message);
        AddViolation(path, observed, container, severity, key);
    }

    /// <inheritdoc cref="Fail(string, string?, string?, ContainerRef?, Severity?, string?)"/>
    /// <remarks>An interpolated message is formatted straight into the unit's buffer (no string is made for it).</remarks>
    public void Fail([InterpolatedStringHandlerArgument("")] ref FailMessage message, string? path = null, string? observed = null,
        ContainerRef? container = null, Severity? severity = null, string? key = null) =>
        AddViolation(path, observed, container, severity, key);

    private void AddViolation(string? path, string? observed, ContainerRef? container, Severity? severity, string? key) =>
        _violations.Add(new Violation(_messageStart, _messagesUsed - _messageStart, path, observed, container,
            severity ?? _owner.Definition.Severity, key));

    internal void BeginMessage(int capacity)
    {
        // Set again by every message, so the characters of a message whose formatting threw are simply left unused.
        _messageStart = _messagesUsed;
        Reserve(capacity);
    }

    internal void AppendMessage(ReadOnlySpan<char> text)
    {
        Reserve(text.Length);
        text.CopyTo(_messages.AsSpan(_messagesUsed));
        _messagesUsed += text.Length;
    }

    /// <summary>The free end of the message buffer, at least <paramref name="capacity"/> characters long.</summary>
    internal Span<char> MessageTail(int capacity)
    {
        Reserve(capacity);
        return _messages.AsSpan(_messagesUsed);
    }

    internal void Advance(int written) => _messagesUsed += written;

    private void Reserve(int capacity)
    {
        if (_messages.Length - _messagesUsed < capacity)
        {
            Array.Resize(ref _messages, Math.Max(_messages.Length * 2, _messagesUsed + capacity));
        }
    }

    /// <summary>
    /// Records an advisory (CATALOG.md "advisory"/"informational"): reported beside the unit's result whatever it
    /// is, never counted as a failure and never scored. Arguments as for <see cref="Fail"/>; the fingerprint uses
    /// a sub-key of its own, so an advisory and a failure on the same field never share one.
    /// </summary>
    public void Advise(string message, string? path = null, string? observed = null, ContainerRef? container = null, string? key = null)
    {
        _advice ??= [];
        _advice.Add(new AdviceNote(message, path, observed, container, key));
    }

    /// <summary>The data needed is missing. Never turn this into a pass.</summary>
    public void Unknown(string reason) => Force(ResultStatus.Unknown, reason);

    public void NotApplicable(string reason) => Force(ResultStatus.NotApplicable, reason);

    /// <summary>Only an attestation can decide.</summary>
    public void Manual(string reason) => Force(ResultStatus.Manual, reason);

    private void Force(ResultStatus status, string reason)
    {
        // Unknown beats NotApplicable: if any part could not be seen, the unit is not decided.
        if (Forced is null || (status == ResultStatus.Unknown && Forced != ResultStatus.Unknown))
        {
            Forced = status;
            Reason = reason;
        }
    }
}

/// <summary>Counters of one check, for the report and for scoring (CATALOG.md §8.2).</summary>
public sealed record CheckSummary(
    CheckDefinition Definition,
    int Pass,
    int Fail,
    int NotApplicable,
    int Excluded,
    int Unknown,
    int Manual,
    int Excepted,
    double PassWeight,
    double FailWeight,
    double ManualWeight,
    double ExceptedWeight,
    bool HasCriticalFailure)
{
    /// <summary>Advisories the check emitted; informational, outside every other counter and the score.</summary>
    public int Advisories { get; init; }

    public int Units => Pass + Fail + NotApplicable + Excluded + Unknown + Manual + Excepted;

    public int Decided => Pass + Fail + Manual + Excepted;
}

/// <summary>Collects the units of one check and turns failures into findings with stable fingerprints.</summary>
public sealed class CheckResults
{
    private readonly ScanContext _context;
    private readonly Unit _unit;
    private bool _open;
    private int _pass, _fail, _na, _excluded, _unknown, _manual;
    private double _passWeight, _failWeight, _manualWeight;
    private bool _criticalFailure;

    internal CheckResults(CheckDefinition definition, ScanContext context)
    {
        Definition = definition;
        _context = context;
        Findings = new FindingStore(definition.Id);
        _unit = new Unit(this);
    }

    public CheckDefinition Definition { get; }

    internal FindingStore Findings { get; }

    internal List<Advisory> Advisories { get; } = [];

    /// <summary>Starts the unit for an object; the previous unit is completed automatically.</summary>
    public Unit Begin(KubeObject obj) => Begin(obj.Ref, obj.Source);

    public Unit Begin(ResourceRef resource, SourceLocation? source = null)
    {
        Complete();
        _unit.Reset(resource, source);
        _open = true;
        return _unit;
    }

    public void Pass(KubeObject obj) => Begin(obj);

    public void Excluded(KubeObject obj)
    {
        Complete();
        _excluded++;
    }

    public void Excluded(ResourceRef resource)
    {
        Complete();
        _excluded++;
    }

    public void NotApplicable(KubeObject obj, string reason) => Begin(obj).NotApplicable(reason);

    public void Unknown(ResourceRef resource, string reason, SourceLocation? source = null) => Begin(resource, source).Unknown(reason);

    /// <summary>
    /// An advisory about an object that is not one of this check's units (e.g. a kubelet note on a check whose units are
    /// Ingresses). It opens no unit and changes no counter; see <see cref="Unit.Advise"/>.
    /// </summary>
    public void Advise(ResourceRef resource, SourceLocation? source, string message, string? path = null, string? observed = null, string? key = null) =>
        Advisories.Add(MakeAdvisory(resource, source, new AdviceNote(message, path, observed, null, key)));

    internal void Complete()
    {
        if (!_open)
        {
            return;
        }

        _open = false;
        var u = _unit;
        if (u.Advice is { } advice)
        {
            foreach (var a in advice)
            {
                Advisories.Add(MakeAdvisory(u.Resource, u.Source, a));
            }
        }

        var baseWeight = Definition.Severity.Weight();
        if (u.HasFailures)
        {
            var worst = u.Violations[0].Severity;
            foreach (var v in u.Violations)
            {
                worst = v.Severity > worst ? v.Severity : worst;
            }

            _fail++;
            _failWeight += worst.Weight() / baseWeight;
            _criticalFailure |= worst == Severity.Critical;
            foreach (var v in u.Violations)
            {
                AddFinding(u, v);
            }

            return;
        }

        switch (u.Forced)
        {
            case ResultStatus.Unknown:
                _unknown++;
                AddStatusFinding(u, ResultStatus.Unknown);
                break;
            case ResultStatus.Manual:
                _manual++;
                _manualWeight += 1;
                AddStatusFinding(u, ResultStatus.Manual);
                break;
            case ResultStatus.NotApplicable:
                _na++;
                break;
            default:
                _pass++;
                _passWeight += 1;
                break;
        }
    }

    internal CheckSummary Summary()
    {
        Complete();
        return new CheckSummary(Definition, _pass, _fail, _na, _excluded, _unknown, _manual, 0,
            _passWeight, _failWeight, _manualWeight, 0, _criticalFailure) { Advisories = Advisories.Count };
    }

    private static string? SubKey(string? key, string? path, ContainerRef? container)
    {
        if (key is null && path is not null)
        {
            key = container is not null && path.StartsWith(container.Path, StringComparison.Ordinal)
                ? path[container.Path.Length..].TrimStart('.')
                : path;
        }

        return key;
    }

    private Advisory MakeAdvisory(ResourceRef resource, SourceLocation? source, AdviceNote a)
    {
        // The "advisory:" prefix keeps advisory fingerprints disjoint from failure fingerprints of the same field.
        var key = AdvisoryKeyPrefix + (SubKey(a.Key, a.Path, a.Container) ?? "");
        return new Advisory(
            Definition.Id,
            resource,
            a.Container?.Info,
            a.Message,
            a.Path is null && a.Observed is null ? null : new Evidence(a.Path ?? "", a.Observed),
            source,
            Fingerprints.Compute(_context.Options.ClusterId, Definition.Id, resource, a.Container?.Name, key),
            key);
    }

    /// <summary>Prefix of every advisory sub-key (part of the fingerprint contract, docs/json-report.md).</summary>
    public const string AdvisoryKeyPrefix = "advisory:";

    // Findings are kept for the whole report: paths, sub-keys and observed values repeat across workloads
    // ("spec.template.spec.containers[0].securityContext…"), so one instance of each is kept per check.
    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    private string? Shared(string? text)
    {
        if (text is null || text.Length > 256)
        {
            return text;
        }

        if (_texts.TryGetValue(text, out var known))
        {
            return known;
        }

        _texts[text] = text;
        return text;
    }

    private void AddFinding(Unit u, in Violation v)
    {
        var key = Shared(SubKey(v.Key, v.Path, v.Container));

        // An observed value without a field path (e.g. a namespace that lacks a policy) is evidence about the object itself.
        var hasEvidence = v.Path is not null || v.Observed is not null;
        Findings.Add(
            v.Severity,
            ResultStatus.Fail,
            u.Resource,
            v.Container?.Info,
            u.MessageOf(v),
            hasEvidence,
            hasEvidence ? Shared(v.Path) ?? "" : null,
            hasEvidence ? Shared(v.Observed) : null,
            u.Source,
            Fingerprints.Hash(_context.Options.ClusterId, Definition.Id, u.Resource, v.Container?.Name, key),
            key);
    }

    private void AddStatusFinding(Unit u, ResultStatus status) => Findings.Add(
        Definition.Severity,
        status,
        u.Resource,
        null,
        u.Reason ?? "",
        false,
        null,
        null,
        u.Source,
        Fingerprints.Hash(_context.Options.ClusterId, Definition.Id, u.Resource, null, null),
        null);
}
