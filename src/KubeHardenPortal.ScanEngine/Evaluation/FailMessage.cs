using System.Runtime.CompilerServices;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// Formats an interpolated failure message straight into the unit's message buffer, exactly as string interpolation
/// would (current culture, the same format and alignment rules), so <c>unit.Fail($"…")</c> makes no string.
/// </summary>
[InterpolatedStringHandler]
public ref struct FailMessage
{
    // Past this a value is formatted through ToString, as a type whose TryFormat never succeeds would loop forever.
    private const int MaxFormattedLength = 1 << 16;

    private readonly Unit _unit;

    public FailMessage(int literalLength, int formattedCount, Unit unit)
    {
        _unit = unit;
        unit.BeginMessage(literalLength + (formattedCount * 16));
    }

    public readonly void AppendLiteral(string value) => _unit.AppendMessage(value);

    public readonly void AppendFormatted(string? value) => _unit.AppendMessage(value);

    public readonly void AppendFormatted(ReadOnlySpan<char> value) => _unit.AppendMessage(value);

    public readonly void AppendFormatted(string? value, int alignment = 0, string? format = null) =>
        AppendFormatted<string?>(value, alignment, format);

    public readonly void AppendFormatted(object? value, int alignment = 0, string? format = null) =>
        AppendFormatted<object?>(value, alignment, format);

    public readonly void AppendFormatted<T>(T value) => AppendFormatted(value, 0, null);

    public readonly void AppendFormatted<T>(T value, string? format) => AppendFormatted(value, 0, format);

    public readonly void AppendFormatted<T>(T value, int alignment) => AppendFormatted(value, alignment, null);

    public readonly void AppendFormatted<T>(T value, int alignment, string? format)
    {
        if (alignment == 0)
        {
            Append(value, format);
            return;
        }

        // Alignment is rare in messages: format to a string and pad it as composite formatting does.
        var text = value is IFormattable f ? f.ToString(format, null) : value?.ToString() ?? "";
        var pad = Math.Max(0, Math.Abs(alignment) - text.Length);
        if (alignment > 0)
        {
            _unit.AppendMessage(new string(' ', pad));
        }

        _unit.AppendMessage(text);
        if (alignment < 0)
        {
            _unit.AppendMessage(new string(' ', pad));
        }
    }

    private readonly void Append<T>(T value, string? format)
    {
        if (value is ISpanFormattable sf)
        {
            // The same call DefaultInterpolatedStringHandler makes (null provider: the current culture).
            for (var size = 32; size <= MaxFormattedLength; size *= 2)
            {
                if (sf.TryFormat(_unit.MessageTail(size), out var written, format, null))
                {
                    _unit.Advance(written);
                    return;
                }
            }
        }

        _unit.AppendMessage(value is IFormattable f ? f.ToString(format, null) : value?.ToString());
    }
}
