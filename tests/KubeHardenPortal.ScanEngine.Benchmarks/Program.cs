using System.Globalization;
using BenchmarkDotNet.Running;
using KubeHardenPortal.ScanEngine.Benchmarks.Generator;
using KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

namespace KubeHardenPortal.ScanEngine.Benchmarks;

/// <summary>
/// Scan-engine benchmarks (PRODUCT.md §8). Modes:
/// <c>bench</c> (process-isolated macro bench with a markdown table), <c>bdn</c> (BenchmarkDotNet classes),
/// <c>gen</c> (write one snapshot), and <c>child</c> (internal: one measurement, started by bench).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Usage();
            return args.Length == 0 ? 2 : 0;
        }

        var rest = args[1..];
        switch (args[0])
        {
            case "bench":
                return BenchCommand.Run(rest);
            case "child":
                return ChildCommand.Run(rest);
            case "gen":
                return Generate(rest);
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
                return 0;
            default:
                Console.Error.WriteLine($"unknown mode \"{args[0]}\"");
                Usage();
                return 2;
        }
    }

    private static int Generate(string[] args)
    {
        var options = new GeneratorOptions();
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--objects" when i + 1 < args.Length: options = options with { Objects = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--seed" when i + 1 < args.Length: options = options with { Seed = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--indented": options = options with { Indented = true }; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                default:
                    Console.Error.WriteLine($"unknown or incomplete option {args[i]}");
                    return 2;
            }
        }

        output ??= Path.Combine("bench-out", SnapshotGenerator.FileName(options));
        var result = SnapshotGenerator.Generate(output, options);
        Console.WriteLine($"{result.Path}: {result.Objects:N0} objects, {result.Bytes / 1e6:F1} MB");
        foreach (var (kind, count) in result.CountsByKind.OrderByDescending(k => k.Value))
        {
            Console.WriteLine($"  {kind,-20} {count,8:N0}");
        }

        return 0;
    }

    private static void Usage() => Console.Error.WriteLine(
        """
        usage (from the repository root):
          dotnet run -c Release --project tests/KubeHardenPortal.ScanEngine.Benchmarks -- bench --sizes 5000,20000,50000 [--out DIR] [--repeat 3] [--seed N] [--indented]
          dotnet run -c Release --project tests/KubeHardenPortal.ScanEngine.Benchmarks -- bdn --filter '*'
          dotnet run -c Release --project tests/KubeHardenPortal.ScanEngine.Benchmarks -- gen --objects 50000 [--indented] [--out FILE]
        """);
}
