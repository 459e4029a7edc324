using KubeHardenPortal.Cli.Commands;

namespace KubeHardenPortal.Cli;

public static class ExitCodes
{
    public const int Clean = 0;
    public const int Findings = 1;
    public const int InputOrUsage = 2;
}

/// <summary>Entry point shared by Program and the tests (which pass their own writers and clock).</summary>
public static class CliApp
{
    public const string Usage = """
        kubeharden — NSA/CISA Kubernetes Hardening Guidance v1.2 checks for manifests and cluster snapshots

        Usage:
          kubeharden scan PATH... [options]     scan YAML/JSON files, folders, or a ClusterSnapshot (.json / .json.gz);
                                                PATH "-" reads standard input (e.g. helm template … | kubeharden scan -)
          kubeharden checks [--format table|json]
          kubeharden version

        Scan options:
          --format table|json|sarif     output format (default: table)
          --output FILE                 write the report to FILE instead of standard output
          --fail-on critical|high|medium|low
                                        exit 1 when a finding at or above this severity exists (default: low);
                                        advisories never count
          --exclude-namespace NS        skip NS for workload and namespace checks (repeatable; adds to the defaults)
          --no-default-exclusions       do not exclude kube-system, kube-public and kube-node-lease
          --only CHECKID                run only this check (repeatable)
          --approved-registry REGISTRY  allowed image registry for KH-IMG-002 (repeatable)
          --settings FILE               organization settings (YAML or JSON; docs/scan-settings.md); flags add to them
          --cluster-id ID               cluster identity used in finding fingerprints
          --show-unknown                also list Unknown and Manual results (table and json)
          --show-advisories             also list advisories (table and sarif; json always carries them)
          --source-root DIR             base of SARIF artifact URIs (default: the Git work tree holding the
                                        first PATH, else the current directory)
          --no-color                    plain table output (also when NO_COLOR is set)

        Exit codes: 0 clean, 1 findings at or above --fail-on, 2 input or usage errors.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time,
        CancellationToken cancellationToken, Func<Stream>? stdin = null)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? ExitCodes.InputOrUsage : ExitCodes.Clean;
        }

        try
        {
            return args[0] switch
            {
                "scan" => await ScanCommand.RunAsync(args[1..], stdout, stderr, time, stdin ?? Console.OpenStandardInput, cancellationToken),
                "checks" => await ChecksCommand.RunAsync(args[1..], stdout, stderr, cancellationToken),
                "version" or "--version" => await VersionCommand.RunAsync(stdout),
                _ => await UsageError(stderr, $"unknown command \"{args[0]}\""),
            };
        }
        catch (UsageException ex)
        {
            return await UsageError(stderr, ex.Message);
        }
    }

    internal static async Task<int> UsageError(TextWriter stderr, string message)
    {
        await stderr.WriteLineAsync("kubeharden: " + message);
        await stderr.WriteLineAsync("Run 'kubeharden --help' for usage.");
        return ExitCodes.InputOrUsage;
    }
}

/// <summary>A command line that cannot be honoured; always exit code 2 with a specific message.</summary>
public sealed class UsageException(string message) : Exception(message);
