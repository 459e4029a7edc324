namespace KubeHardenPortal.ScanEngine.Tests.Support;

/// <summary>Locates the repository from the test binaries, so fixtures are read where they live (beside the checks).</summary>
internal static class Repo
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeHardenPortal.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("KubeHardenPortal.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => LazyRoot.Value;

    public static string ChecksDir => Path.Combine(Root, "src", "KubeHardenPortal.ScanEngine", "Checks");

    /// <summary>The folder holding the check class file "ClassName.cs" (the folder name must equal the class name).</summary>
    public static string? CheckFolder(Type checkType) =>
        Directory.EnumerateFiles(ChecksDir, checkType.Name + ".cs", SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName)
            .FirstOrDefault();
}
