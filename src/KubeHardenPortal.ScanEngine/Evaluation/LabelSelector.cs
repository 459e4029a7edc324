using System.Text;
using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>One requirement of a label selector (matchLabels entries become <see cref="SelectorOperator.In"/> with one value).</summary>
public sealed record SelectorRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        SelectorOperator.In => labels.TryGetValue(Key, out var v) && Contains(v),
        // NotIn also matches objects that do not carry the key at all (upstream labels.Selector semantics).
        SelectorOperator.NotIn => !labels.TryGetValue(Key, out var v) || !Contains(v),
        SelectorOperator.Exists => labels.ContainsKey(Key),
        _ => !labels.ContainsKey(Key),
    };

    private bool Contains(string value)
    {
        foreach (var v in Values)
        {
            if (string.Equals(v, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Operator switch
    {
        SelectorOperator.In when Values.Count == 1 => $"{Key}={Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(",", Values)})",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
        SelectorOperator.Exists => Key,
        _ => "!" + Key,
    };
}

/// <summary>What is known about one label when a selector is evaluated: unknown, absent, or a value.</summary>
public readonly record struct LabelFact(bool Known, string? Value)
{
    public static readonly LabelFact Unknown = new(false, null);
    public static readonly LabelFact Absent = new(true, null);

    public static LabelFact Of(string value) => new(true, value);

    public static Func<string, LabelFact> From(IReadOnlyDictionary<string, string> labels) =>
        k => labels.TryGetValue(k, out var v) ? Of(v) : Absent;
}

public enum SelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// <summary>
/// A metav1.LabelSelector with upstream semantics: matchLabels AND every matchExpression. A selector with no
/// requirements (<c>{}</c>, <c>matchLabels: {}</c>, <c>matchExpressions: []</c>) selects everything; an invalid
/// selector (unknown operator, In/NotIn without values...) selects nothing, as the API server would reject it.
/// Whether an absent or null selector means "everything" or "not set" depends on the field, so
/// <see cref="FromJson"/> returns null for it and the caller decides.
/// </summary>
public sealed class LabelSelector
{
    /// <summary>The empty selector: matches every object.</summary>
    public static readonly LabelSelector Everything = new([], null);

    private LabelSelector(IReadOnlyList<SelectorRequirement> requirements, string? error)
    {
        Requirements = requirements;
        Error = error;
    }

    public IReadOnlyList<SelectorRequirement> Requirements { get; }

    /// <summary>Why the selector is invalid (it then matches nothing); null when valid.</summary>
    public string? Error { get; }

    public bool IsValid => Error is null;

    /// <summary>True when the selector selects every object: valid and without requirements.</summary>
    public bool IsEmpty => IsValid && Requirements.Count == 0;

    /// <summary>
    /// True when <paramref name="selector"/> (a LabelSelector object) selects <paramref name="labels"/>. An absent, null
    /// or invalid selector selects nothing; callers whose field defaults to "everything" check for absence first.
    /// </summary>
    public static bool Selects(CompactJson selector, IReadOnlyDictionary<string, string> labels) =>
        FromJson(selector) is { } s && s.Matches(labels);

    /// <summary>Parses a LabelSelector; null when the value is absent or JSON null (the field's own default applies).</summary>
    public static LabelSelector? FromJson(CompactJson e)
    {
        if (!e.Exists())
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            return new LabelSelector([], "selector is not an object");
        }

        var reqs = new List<SelectorRequirement>();
        string? error = null;
        var ml = e.Get("matchLabels");
        if (ml.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in ml.EnumerateObject())
            {
                var v = p.Value.Str();
                if (v is null)
                {
                    error ??= $"matchLabels[\"{p.Name}\"] is not a string";
                    continue;
                }

                reqs.Add(new SelectorRequirement(p.Name, SelectorOperator.In, [v]));
            }
        }
        else if (ml.Exists())
        {
            error ??= "matchLabels is not an object";
        }

        var me = e.Get("matchExpressions");
        if (me.Exists() && me.ValueKind != JsonValueKind.Array)
        {
            error ??= "matchExpressions is not a list";
        }

        foreach (var x in me.Items())
        {
            var key = x.Str("key");
            var values = x.Strings("values").ToList();
            SelectorOperator? op = x.Str("operator") switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => null,
            };
            if (string.IsNullOrEmpty(key))
            {
                error ??= "matchExpressions entry without a key";
            }
            else if (op is null)
            {
                error ??= $"matchExpressions operator \"{x.Str("operator")}\" is not In, NotIn, Exists or DoesNotExist";
            }
            else if (op is SelectorOperator.In or SelectorOperator.NotIn && values.Count == 0)
            {
                error ??= $"matchExpressions {op} on \"{key}\" needs at least one value";
            }
            else if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist && values.Count > 0)
            {
                error ??= $"matchExpressions {op} on \"{key}\" must not have values";
            }
            else
            {
                reqs.Add(new SelectorRequirement(key, op.Value, values));
            }
        }

        return new LabelSelector(reqs, error);
    }

    /// <summary>True when every requirement holds for <paramref name="labels"/>; an invalid selector matches nothing.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (!IsValid)
        {
            return false;
        }

        foreach (var r in Requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Three-valued match: false when a requirement on a known label fails, null when the answer depends on a
    /// label the lookup does not know (e.g. "does this select every pod of namespace X?" with pod labels unknown).
    /// </summary>
    public bool? Evaluate(Func<string, LabelFact> lookup)
    {
        if (!IsValid)
        {
            return false;
        }

        var unknown = false;
        foreach (var r in Requirements)
        {
            var f = lookup(r.Key);
            if (!f.Known)
            {
                unknown = true;
                continue;
            }

            var holds = r.Operator switch
            {
                SelectorOperator.In => f.Value is not null && r.Values.Contains(f.Value),
                SelectorOperator.NotIn => f.Value is null || !r.Values.Contains(f.Value),
                SelectorOperator.Exists => f.Value is not null,
                _ => f.Value is null,
            };
            if (!holds)
            {
                return false;
            }
        }

        return unknown ? null : true;
    }

    /// <summary>A copy with every requirement key rewritten (e.g. Cilium's "k8s:" source prefixes removed).</summary>
    public LabelSelector MapKeys(Func<string, string> map) =>
        new(Requirements.Select(r => r with { Key = map(r.Key) }).ToList(), Error);

    /// <summary>The kubectl-style rendering ("app=api,tier in (a,b)"); "{}" for the empty selector.</summary>
    public override string ToString()
    {
        if (!IsValid)
        {
            return "<invalid: " + Error + ">";
        }

        if (Requirements.Count == 0)
        {
            return "{}";
        }

        var sb = new StringBuilder();
        foreach (var r in Requirements)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(r);
        }

        return sb.ToString();
    }
}
