using System.IO.Compression;
using System.Text;
using KubeHardenPortal.ScanEngine.Loading;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>A temporary folder for one test, deleted (with everything in it) when the test ends.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Root = Path.Combine(Path.GetTempPath(), "khp-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string Write(string relative, string text) => Write(relative, Encoding.UTF8.GetBytes(text));

    public string Write(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string WriteGzip(string relative, byte[] content, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, level, leaveOpen: true))
        {
            gz.Write(content);
        }

        return Write(relative, ms.ToArray());
    }

    public string Folder(string relative)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            // Give back any permission a test took away, so the folder can always be removed. Links are not
            // followed (a test may have made a link loop).
            if (!OperatingSystem.IsWindows())
            {
                var all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
                var pending = new Stack<DirectoryInfo>([new DirectoryInfo(Root)]);
                while (pending.Count > 0)
                {
                    var dir = pending.Pop();
                    dir.UnixFileMode = all;
                    foreach (var e in dir.EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 }))
                    {
                        if (e.LinkTarget is not null)
                        {
                            continue;
                        }

                        if (e is DirectoryInfo d)
                        {
                            pending.Push(d);
                        }
                        else
                        {
                            e.UnixFileMode = all;
                        }
                    }
                }
            }

            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail the test run.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

internal static class LoadingTestSupport
{
    public static string Doc(string kind, string name, string apiVersion = "v1") =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: {name}\n";

    /// <summary>Loads the paths and checks the loader's promise that nothing is thrown for bad content.</summary>
    public static LoadResult Load(LoadLimits? limits, params string[] paths) => new InputLoader(limits).Load(paths);

    public static LoadResult Load(params string[] paths) => new InputLoader().Load(paths);

    public static LoadResult Text(string text, string name = "test.yaml", LoadLimits? limits = null) =>
        new InputLoader(limits).LoadText(name, text);

    public static KubeObject Object(this LoadResult result, string name) =>
        result.Snapshot.Objects.Single(o => o.Name == name);

    public static string Describe(this LoadResult result) =>
        "objects: " + string.Join(", ", result.Snapshot.Objects.Select(o => $"{o.Kind}/{o.Name}@{o.Source?.Line}")) +
        "\nerrors:\n" + string.Join("\n", result.Errors.Select(e => "  " + e));

    public static void NoErrors(this LoadResult result) =>
        Assert.True(result.Errors.Count == 0, result.Describe());

    public static InputError SingleError(this LoadResult result)
    {
        Assert.True(result.Errors.Count == 1, result.Describe());
        return result.Errors[0];
    }

    /// <summary>Asserts exactly one error, for <paramref name="file"/> and <paramref name="line"/>, whose message contains every fragment.</summary>
    public static InputError AssertError(this LoadResult result, string file, int? line, params string[] fragments)
    {
        var e = result.SingleError();
        Assert.Equal(file, e.File);
        Assert.True(line == e.Line, $"expected line {line?.ToString() ?? "none"}, got {e}");
        foreach (var f in fragments)
        {
            Assert.True(e.Message.Contains(f, StringComparison.OrdinalIgnoreCase), $"expected \"{f}\" in: {e}");
        }

        return e;
    }

    /// <summary>A hang guard only (not a timing assertion): a load that never finishes would stop the whole suite.</summary>
    public static LoadResult WithinMinutes(Func<LoadResult> load)
    {
        var task = Task.Run(load);
        Assert.True(task.Wait(TimeSpan.FromMinutes(2)), "the loader did not finish (hang)");
        return task.Result;
    }

    /// <summary>Asserts exactly one error, for <paramref name="file"/> with some line, whose message contains every fragment.</summary>
    public static InputError AssertErrorWithLine(this LoadResult result, string file, params string[] fragments)
    {
        var e = result.SingleError();
        Assert.True(e.Line is > 0, $"expected a line: {e}");
        return result.AssertError(file, e.Line, fragments);
    }

    /// <summary>Names and 1-based source lines of the loaded objects, in load order.</summary>
    public static string[] NamesAndLines(this LoadResult result) =>
        result.Snapshot.Objects.Select(o => $"{o.Name}@{o.Source?.Line}").ToArray();
}
