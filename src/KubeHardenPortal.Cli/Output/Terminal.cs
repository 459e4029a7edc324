using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.Cli.Output;

/// <summary>ANSI colour only on a real terminal, and never when NO_COLOR is set (https://no-color.org).</summary>
internal static class Terminal
{
    public static bool UseColor(TextWriter writer, bool disabled) =>
        !disabled &&
        ReferenceEquals(writer, Console.Out) &&
        !Console.IsOutputRedirected &&
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static string Bold(string s, bool color) => color ? $"\u001b[1m{s}\u001b[0m" : s;

    public static string Dim(string s, bool color) => color ? $"\u001b[2m{s}\u001b[0m" : s;

    public static string Green(string s, bool color) => color ? $"\u001b[32m{s}\u001b[0m" : s;

    public static string Yellow(string s, bool color) => color ? $"\u001b[33m{s}\u001b[0m" : s;

    public static string Red(string s, bool color) => color ? $"\u001b[31m{s}\u001b[0m" : s;

    public static string Severity(Severity s, bool color)
    {
        var text = s.Text().ToUpperInvariant().PadRight(9);
        if (!color)
        {
            return text;
        }

        var code = s switch
        {
            ScanEngine.Model.Severity.Critical => "1;35",
            ScanEngine.Model.Severity.High => "31",
            ScanEngine.Model.Severity.Medium => "33",
            _ => "36",
        };
        return $"\u001b[{code}m{text}\u001b[0m";
    }
}
