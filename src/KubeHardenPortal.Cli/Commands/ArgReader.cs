namespace KubeHardenPortal.Cli.Commands;

/// <summary>
/// A small, strict argument reader: every option is known, every value is checked, and a mistake is a clear
/// usage error rather than a silently ignored flag.
/// </summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public ArgReader(string[] args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flagOptions)
    {
        var onlyPositional = false;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (onlyPositional || !a.StartsWith("--", StringComparison.Ordinal) || a == "-")
            {
                if (a == "--" && !onlyPositional)
                {
                    onlyPositional = true;
                    continue;
                }

                Positional.Add(a);
                continue;
            }

            var name = a;
            string? value = null;
            var eq = a.IndexOf('=');
            if (eq > 0)
            {
                name = a[..eq];
                value = a[(eq + 1)..];
            }

            if (flagOptions.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"{name} takes no value");
                }

                _flags.Add(name);
            }
            else if (valueOptions.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"{name} needs a value");
                    }

                    value = args[++i];
                }

                if (!_values.TryGetValue(name, out var list))
                {
                    _values[name] = list = [];
                }

                list.Add(value);
            }
            else
            {
                throw new UsageException($"unknown option \"{name}\"");
            }
        }
    }

    public List<string> Positional { get; } = [];

    public bool Flag(string name) => _flags.Contains(name);

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var l) ? l : [];

    /// <summary>The single value of an option (the last one if repeated is a usage error).</summary>
    public string? One(string name)
    {
        var all = All(name);
        return all.Count switch
        {
            0 => null,
            1 => all[0],
            _ => throw new UsageException($"{name} was given {all.Count} times; give it once"),
        };
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var v = One(name) ?? fallback;
        if (!allowed.Contains(v, StringComparer.Ordinal))
        {
            throw new UsageException($"{name} must be one of {string.Join(", ", allowed)} (got \"{v}\")");
        }

        return v;
    }
}
