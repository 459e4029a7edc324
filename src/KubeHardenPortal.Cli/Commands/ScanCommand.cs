using System.Text;
using System.Text.Json;
using KubeHardenPortal.Cli.Output;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;
using KubeHardenPortal.ScanEngine.Reporting;

namespace KubeHardenPortal.Cli.Commands;

/// <summary>`kubeharden scan PATH...`: load, evaluate, report, and turn the result into an exit code.</summary>
internal static class ScanCommand
{
    private static readonly HashSet<string> Values =
        ["--format", "--output", "--fail-on", "--exclude-namespace", "--only", "--approved-registry", "--cluster-id", "--source-root", "--settings"];

    private static readonly HashSet<string> Flags = ["--show-unknown", "--show-advisories", "--no-color", "--no-default-exclusions"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time,
        Func<Stream> stdin, CancellationToken cancellationToken)
    {
        var a = new ArgReader(args, Values, Flags);
        if (a.Positional.Count == 0)
        {
            throw new UsageException("scan needs at least one PATH (a file, a folder or a ClusterSnapshot)");
        }

        var format = a.Choice("--format", "table", "table", "json", "sarif");
        var failOnText = a.One("--fail-on") ?? "low";
        if (!SeverityWeights.TryParse(failOnText, out var failOn))
        {
            throw new UsageException($"--fail-on must be one of critical, high, medium, low (got \"{failOnText}\")");
        }

        var only = ResolveOnly(a.All("--only"));
        // Settings file first, then the command line on top of it: flags add to the file's lists.
        var settings = a.One("--settings") is { } settingsPath ? await ReadSettingsAsync(settingsPath, cancellationToken) : new ScanOptions();
        var excluded = new HashSet<string>(a.Flag("--no-default-exclusions") ? [] : settings.ExcludedNamespaces, StringComparer.Ordinal);
        foreach (var ns in a.All("--exclude-namespace"))
        {
            if (string.IsNullOrWhiteSpace(ns))
            {
                throw new UsageException("--exclude-namespace needs a namespace name");
            }

            excluded.Add(ns.Trim());
        }

        var output = a.One("--output");
        var options = settings with
        {
            ExcludedNamespaces = excluded,
            OnlyChecks = only,
            ClusterId = a.One("--cluster-id") ?? "",
            ApprovedRegistries = [.. settings.ApprovedRegistries, .. a.All("--approved-registry")],
            Now = time.GetUtcNow(),
        };

        if (a.Positional.Contains("-") && a.Positional.Count > 1)
        {
            throw new UsageException("\"-\" (standard input) must be the only PATH");
        }

        var (report, inputErrors) = LoadAndEvaluate(a.Positional, options, stdin, cancellationToken);
        var reportOptions = new ReportOptions
        {
            IncludeUndecided = a.Flag("--show-unknown"),
            IncludeAdvisories = a.Flag("--show-advisories"),
            SourceRoot = a.One("--source-root") ?? SourceRoot(a.Positional),
        };

        // Reports are written as they are produced (to the file or standard output), never built as one string:
        // a 50,000-object scan has ~50,000 findings.
        Action<Stream> render;
        switch (format)
        {
            case "json":
                render = s => WriteJson(s, w => JsonReportWriter.Write(w, report, inputErrors, reportOptions));
                break;
            case "sarif":
                var rules = only is null ? CheckCatalog.Definitions : CheckCatalog.Definitions.Where(d => only.Contains(d.Id)).ToList();
                render = s => WriteJson(s, w => SarifWriter.Write(w, report, rules, reportOptions));
                break;
            default:
                var color = output is null && Terminal.UseColor(stdout, a.Flag("--no-color"));
                render = s =>
                {
                    using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                    TableReport.Write(w, report, inputErrors, reportOptions, color);
                };
                break;
        }

        if (output is null)
        {
            using (var s = new TextWriterStream(stdout))
            {
                render(s);
            }

            await stdout.FlushAsync(cancellationToken);
        }
        else if (!await WriteFileAsync(output, render, stderr, cancellationToken))
        {
            return ExitCodes.InputOrUsage;
        }

        foreach (var e in inputErrors)
        {
            await stderr.WriteLineAsync($"kubeharden: input error: {e}");
        }

        if (inputErrors.Count > 0)
        {
            return ExitCodes.InputOrUsage;
        }

        // Only failures gate: advisories live in report.Advisories and never reach this test.
        var blocking = report.Findings.Any(f => f.Status == ResultStatus.Fail && f.Severity >= failOn);
        return blocking ? ExitCodes.Findings : ExitCodes.Clean;
    }

    /// <summary>
    /// Where SARIF artifact URIs are relative to: the Git work tree (a folder holding ".git", directory or file) that
    /// contains the first scanned path, so a scan of a subfolder still yields repository-relative URIs as GitHub
    /// code scanning expects; the current directory when the path is in no repository or is standard input.
    /// </summary>
    internal static string SourceRoot(IReadOnlyList<string> paths)
    {
        var cwd = Directory.GetCurrentDirectory();
        if (paths.Count == 0 || paths[0] == "-")
        {
            return cwd;
        }

        var full = Path.GetFullPath(paths[0]);
        var dir = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full).Directory;
        for (; dir is not null; dir = dir.Parent)
        {
            var git = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return dir.FullName;
            }
        }

        return cwd;
    }

    /// <summary>Validates --only against the catalog: a misspelt id is an error, never an empty green run.</summary>
    /// <summary>
    /// The loaded objects are unreachable once this returns: the report keeps only what it shows, so the GC can take the
    /// snapshot (as large as the input) back while the report is written.
    /// </summary>
    private static (ScanReport Report, IReadOnlyList<InputError> Errors) LoadAndEvaluate(IReadOnlyList<string> paths, ScanOptions options,
        Func<Stream> stdin, CancellationToken cancellationToken)
    {
        using var load = paths[0] == "-"
            ? new InputLoader().LoadStream("<stdin>", stdin())
            : new InputLoader().Load(paths, cancellationToken);
        return (Scanner.Evaluate(load.Snapshot, options, cancellationToken: cancellationToken), load.Errors);
    }

    /// <summary>Reads a --settings file (YAML or JSON); every problem is a usage error naming the file.</summary>
    private static async Task<ScanOptions> ReadSettingsAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new UsageException(Directory.Exists(path)
                    ? $"--settings: {path} is a folder; give the settings file (YAML or JSON)"
                    : $"--settings: {path} does not exist");
            }

            if (info.Length > ScanSettings.MaxBytes)
            {
                throw new UsageException($"--settings: {path} is {info.Length / 1024} KiB; a settings file is at most {ScanSettings.MaxBytes / 1024} KiB");
            }

            text = await File.ReadAllTextAsync(path, new UTF8Encoding(false, throwOnInvalidBytes: true), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new UsageException($"--settings: {path} cannot be read: {(ex is DecoderFallbackException ? "not UTF-8 text" : ex.Message)}");
        }

        try
        {
            return ScanSettings.Apply(new ScanOptions(), text, path);
        }
        catch (ScanSettingsException ex)
        {
            throw new UsageException("--settings: " + ex.Message);
        }
    }

    private static HashSet<string>? ResolveOnly(IReadOnlyList<string> requested)
    {
        if (requested.Count == 0)
        {
            return null;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in requested.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var check = CheckCatalog.Find(raw);
            if (check is null)
            {
                var hint = Suggest(raw);
                throw new UsageException($"unknown check id \"{raw}\" in --only{(hint is null ? "" : $"; did you mean {hint}?")} (see 'kubeharden checks')");
            }

            ids.Add(check.Definition.Id);
        }

        return ids;
    }

    private static string? Suggest(string raw)
    {
        var best = CheckCatalog.All.Select(c => c.Definition.Id)
            .Select(id => (id, d: Distance(raw.ToUpperInvariant(), id)))
            .OrderBy(x => x.d)
            .FirstOrDefault();
        return best.id is not null && best.d <= 3 ? best.id : null;
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    private static void WriteJson(Stream stream, Action<Utf8JsonWriter> write)
    {
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            write(w);
        }

        stream.WriteByte((byte)'\n');
    }

    /// <summary>Writes through a temporary file and a rename, so a failed write never leaves half a report.</summary>
    private static async Task<bool> WriteFileAsync(string path, Action<Stream> render, TextWriter stderr, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                cancellationToken.ThrowIfCancellationRequested();
                render(file);
            }

            File.Move(temp, full, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"kubeharden: cannot write {path}: {ex.Message}");
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // Best effort: the temporary file may not exist.
            }

            return false;
        }
    }
}
