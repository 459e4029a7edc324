using KubeHardenPortal.Cli;

// `kubeharden`: scan manifests or a cluster snapshot, list the catalog. Exit codes: 0 clean, 1 findings at or
// above --fail-on, 2 input or usage errors.
return await CliApp.RunAsync(args, Console.Out, Console.Error, TimeProvider.System, CancellationToken.None);
