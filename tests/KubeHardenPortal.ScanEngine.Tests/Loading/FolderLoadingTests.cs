using static KubeHardenPortal.ScanEngine.Tests.Loading.LoadingTestSupport;

namespace KubeHardenPortal.ScanEngine.Tests.Loading;

/// <summary>Folders are walked recursively for .yaml/.yml/.json(.gz) files, in a stable order, without hanging.</summary>
public sealed class FolderLoadingTests
{
    [Fact]
    public void Folder_IsWalkedRecursively_NonManifestsIgnored_HiddenSkipped()
    {
        using var dir = new TempDir();
        dir.Write("app/b.yaml", Doc("ConfigMap", "b"));
        dir.Write("app/a.yml", Doc("ConfigMap", "a"));
        dir.Write("app/sub/deeper/c.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
        dir.Write("app/sub/d.YAML", Doc("ConfigMap", "d"));
        dir.WriteGzip("app/sub/e.yaml.gz", System.Text.Encoding.UTF8.GetBytes(Doc("ConfigMap", "e")));
        dir.Write("app/README.md", "# not a manifest: {[");
        dir.Write("app/values.yaml.bak", "garbage: [");
        dir.Write("app/script.sh", "#!/bin/sh\n");
        dir.Write("app/Chart.lock", "x");
        dir.Write("app/.git/config.yaml", "hidden: [");
        dir.Write("app/.github/workflows/ci.yml", "on: push\n");
        dir.Write("app/sub/.hidden.yaml", "hidden: [");
        using var r = Load(dir.PathOf("app"));
        r.NoErrors();
        Assert.Equal(["a", "b", "d", "c", "e"], r.Snapshot.Objects.Select(o => o.Name));
        Assert.Equal(5, r.FilesRead);
        Assert.Equal(dir.PathOf("app/sub/deeper/c.json"), r.Object("c").Source!.File);
        Assert.Equal(1, r.Object("c").Source!.Line);
    }

    [Fact]
    public void FolderOrder_IsStableAndOrdinal()
    {
        using var dir = new TempDir();
        foreach (var n in new[] { "10", "2", "B", "a", "_" })
        {
            dir.Write($"m/{n}.yaml", Doc("ConfigMap", "cm" + n.ToLowerInvariant() + (n == "_" ? "u" : "")));
        }

        using var r1 = Load(dir.PathOf("m"));
        using var r2 = Load(dir.PathOf("m"));
        r1.NoErrors();
        Assert.Equal(["10.yaml", "2.yaml", "B.yaml", "_.yaml", "a.yaml"], r1.Snapshot.Objects.Select(o => Path.GetFileName(o.Source!.File)));
        Assert.Equal(r1.NamesAndLines(), r2.NamesAndLines());
    }

    [Fact]
    public void EmptyFolder_IsReported()
    {
        using var dir = new TempDir();
        var empty = dir.Folder("empty");
        dir.Write("onlydocs/README.md", "hi");
        dir.Write("onlydocs/.hidden/x.yaml", Doc("ConfigMap", "h"));
        using var r = Load(empty, dir.PathOf("onlydocs"));
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal([empty, dir.PathOf("onlydocs")], r.Errors.Select(e => e.File));
        Assert.All(r.Errors, e => Assert.Contains("no .yaml, .yml or .json files found", e.Message, StringComparison.Ordinal));
        Assert.Empty(r.Snapshot.Objects);
        Assert.Equal(0, r.FilesRead);
    }

    [Fact]
    public void ExplicitFile_LoadsWhateverItsExtension()
    {
        using var dir = new TempDir();
        var txt = dir.Write("manifest.txt", Doc("ConfigMap", "txt"));
        var hidden = dir.Write(".hidden.yaml", Doc("ConfigMap", "hidden"));
        using var r = Load(txt, hidden);
        r.NoErrors();
        Assert.Equal(["txt@1", "hidden@1"], r.NamesAndLines());
    }

    [Fact]
    public void SymlinkLoop_DoesNotHang_AndSymlinkedFilesAreRead()
    {
        using var dir = new TempDir();
        dir.Write("m/real.yaml", Doc("ConfigMap", "real"));
        dir.Write("shared/common.yaml", Doc("ConfigMap", "common"));
        Directory.CreateSymbolicLink(dir.PathOf("m/loop"), dir.PathOf("m"));
        Directory.CreateSymbolicLink(dir.PathOf("m/up"), dir.Root);
        File.CreateSymbolicLink(dir.PathOf("m/self.yaml"), dir.PathOf("m/self.yaml"));
        File.CreateSymbolicLink(dir.PathOf("m/dangling.yaml"), dir.PathOf("m/nowhere.yaml"));
        // A file linked into the folder (as Kubernetes ConfigMap mounts do) is a manifest like any other.
        File.CreateSymbolicLink(dir.PathOf("m/linked.yaml"), dir.PathOf("shared/common.yaml"));

        using var r = WithinMinutes(() => Load(dir.PathOf("m")));
        Assert.Equal(["common@1", "real@1"], r.NamesAndLines());
        Assert.Equal([dir.PathOf("m/linked.yaml"), dir.PathOf("m/real.yaml")], r.Snapshot.Objects.Select(o => o.Source!.File));
        // The broken links are reported by name; nothing else is.
        Assert.Equal([dir.PathOf("m/dangling.yaml"), dir.PathOf("m/self.yaml")], r.Errors.Select(e => e.File).Order(StringComparer.Ordinal));
        Assert.All(r.Errors, e => Assert.Contains("cannot read file", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void FifoAndDeviceInAFolder_DoNotBlockTheWalk()
    {
        using var dir = new TempDir();
        dir.Write("m/a.yaml", Doc("ConfigMap", "a"));
        dir.Write("m/empty.yaml", "");
        if (File.Exists("/dev/zero"))
        {
            File.CreateSymbolicLink(dir.PathOf("m/zero.yaml"), "/dev/zero");
        }

        // A named pipe with no writer blocks whoever opens it; the walk must not open it.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", dir.PathOf("m/pipe.yaml")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        using var r = WithinMinutes(() => Load(dir.PathOf("m")));
        r.NoErrors();
        Assert.Equal(["a@1"], r.NamesAndLines());
    }

    [Fact]
    public void KubernetesConfigMapMountLayout_IsRead()
    {
        // kubelet mounts a ConfigMap as: ..2024_01_01/app.yaml, ..data -> ..2024_01_01, app.yaml -> ..data/app.yaml
        using var dir = new TempDir();
        dir.Write("mount/..2024_01_01_00_00_00.1/app.yaml", Doc("ConfigMap", "mounted"));
        Directory.CreateSymbolicLink(dir.PathOf("mount/..data"), "..2024_01_01_00_00_00.1");
        File.CreateSymbolicLink(dir.PathOf("mount/app.yaml"), "..data/app.yaml");
        using var r = Load(dir.PathOf("mount"));
        r.NoErrors();
        Assert.Equal(["mounted@1"], r.NamesAndLines());
        Assert.Equal(dir.PathOf("mount/app.yaml"), r.Object("mounted").Source!.File);
    }

    [Fact]
    public void FolderGivenAsSymlink_IsWalked()
    {
        using var dir = new TempDir();
        dir.Write("real/a.yaml", Doc("ConfigMap", "a"));
        Directory.CreateSymbolicLink(dir.PathOf("link"), dir.PathOf("real"));
        using var r = Load(dir.PathOf("link"));
        r.NoErrors();
        Assert.Equal(["a@1"], r.NamesAndLines());
    }

    [Fact]
    public void UnreadableSubfolder_IsReported_AndTheRestOfTheFolderStillLoads()
    {
        using var dir = new TempDir();
        dir.Write("m/a/1.yaml", Doc("ConfigMap", "one"));
        dir.Write("m/b/2.yaml", Doc("ConfigMap", "two"));
        dir.Write("m/c/3.yaml", Doc("ConfigMap", "three"));
        var locked = dir.PathOf("m/b");
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions only.
        }

        File.SetUnixFileMode(locked, UnixFileMode.None);
        bool readable;
        try
        {
            _ = Directory.GetFiles(locked);
            readable = true;
        }
        catch (UnauthorizedAccessException)
        {
            readable = false;
        }

        using var r = Load(dir.PathOf("m"));
        if (readable)
        {
            // Running as root (as CI does): mode 000 does not stop root, so everything loads.
            r.NoErrors();
            Assert.Equal(["one@1", "two@1", "three@1"], r.NamesAndLines());
        }
        else
        {
            r.AssertError(locked, null, "cannot read folder");
            Assert.Equal(["one@1", "three@1"], r.NamesAndLines());
        }
    }
}
