using System.Text.Json;
using KubeHardenPortal.ScanEngine.Checks.Pod;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Checks.Pod;

/// <summary>CATALOG.md §1.5: container value if set, else pod value, else unset; with the path of the deciding field.</summary>
public sealed class EffectiveSecurityContextTests
{
    private static Workload Deployment(string podSc, string containerSc)
    {
        var json = $$"""
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "apps"},
             "spec": {"template": {"spec": {"securityContext": {{podSc}},
               "containers": [{"name": "c", "image": "i", "securityContext": {{containerSc}} }]} } } }
            """;
        var obj = new KubeObject(CompactJson.Parse(json), null);
        return WorkloadExtractor.Extract([obj]).Single();
    }

    [Fact(DisplayName = "KH-POD §1.5: container value wins over pod value")]
    public void ContainerWins()
    {
        var w = Deployment("""{"runAsUser": 0}""", """{"runAsUser": 1000}""");
        var v = EffectiveSecurityContext.Get(w, w.AllContainers[0], "runAsUser");
        Assert.Equal(SecurityContextLevel.Container, v.Level);
        Assert.Equal(1000, v.Long);
        Assert.Equal("spec.template.spec.containers[0].securityContext.runAsUser", v.Path);
    }

    [Fact(DisplayName = "KH-POD §1.5: pod value applies when the container leaves the field unset (or null)")]
    public void PodFallback()
    {
        var w = Deployment("""{"runAsUser": 0}""", """{"runAsUser": null}""");
        var v = EffectiveSecurityContext.Get(w, w.AllContainers[0], "runAsUser");
        Assert.Equal(SecurityContextLevel.Pod, v.Level);
        Assert.True(v.FromPod);
        Assert.Equal(0, v.Long);
        Assert.Equal("spec.template.spec.securityContext.runAsUser", v.Path);
    }

    [Fact(DisplayName = "KH-POD §1.5: unset everywhere points at the container field, where the fix belongs")]
    public void UnsetPath()
    {
        var w = Deployment("{}", "{}");
        var v = EffectiveSecurityContext.Get(w, w.AllContainers[0], "runAsNonRoot");
        Assert.False(v.IsSet);
        Assert.Equal("<unset>", v.Observed);
        Assert.Equal("spec.template.spec.containers[0].securityContext.runAsNonRoot", v.Path);
    }

    [Fact(DisplayName = "KH-POD §1.5: dotted fields merge leaf by leaf (windowsOptions, seccompProfile.type)")]
    public void DottedLeaves()
    {
        var w = Deployment("""{"windowsOptions": {"runAsUserName": "ContainerUser"}, "seccompProfile": {"type": "RuntimeDefault"}}""",
            """{"windowsOptions": {"gmsaCredentialSpecName": "gmsa"}, "seccompProfile": {"type": "Unconfined"}}""");
        var c = w.AllContainers[0];
        var user = EffectiveSecurityContext.Get(w, c, "windowsOptions.runAsUserName");
        Assert.Equal(SecurityContextLevel.Pod, user.Level);
        Assert.Equal("ContainerUser", user.Str);
        var seccomp = EffectiveSecurityContext.Get(w, c, "seccompProfile.type");
        Assert.Equal(SecurityContextLevel.Container, seccomp.Level);
        Assert.Equal("Unconfined", seccomp.Str);
        Assert.Equal("spec.template.spec.containers[0].securityContext.seccompProfile.type", seccomp.Path);
    }

    [Fact(DisplayName = "KH-POD §1.5: container-only fields never read the pod")]
    public void ContainerOnly()
    {
        var w = Deployment("""{"readOnlyRootFilesystem": true}""", "{}");
        Assert.False(EffectiveSecurityContext.Container(w.AllContainers[0], "readOnlyRootFilesystem").IsSet);
        Assert.Equal(SecurityContextLevel.Pod, EffectiveSecurityContext.PodLevel(w, "readOnlyRootFilesystem").Level);
    }

    [Fact(DisplayName = "KH-POD §1.5: annotation paths follow the pod template metadata")]
    public void AnnotationPaths()
    {
        var w = Deployment("{}", "{}");
        Assert.Equal("spec.template.metadata.annotations['k']", EffectiveSecurityContext.AnnotationPath(w, "k"));
    }
}
