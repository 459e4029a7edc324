using KubeHardenPortal.Migrations;

// Applies pending migrations with the owner connection string (ConnectionStrings__Owner), then makes sure the
// application roles exist with least privilege. Exit code 0 on success, 1 on any failure.
return await MigrationRunner.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
