using KubeHardenPortal.Migrations;

// Applies pending migrations with the owner connection string (ConnectionStrings__Owner), then makes sure the
// least-privilege roles exist (passwords from KHP_APP_PASSWORD, KHP_SYSTEM_PASSWORD, KHP_JOBS_PASSWORD).
// Exit code 0 on success, 1 on any failure. Web and Worker never migrate by themselves.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
return await MigrationRunner.RunAsync(Environment.GetEnvironmentVariable("ConnectionStrings__Owner"),
    DatabaseRoles.Passwords.FromEnvironment(), Console.Out, Console.Error, cts.Token);
