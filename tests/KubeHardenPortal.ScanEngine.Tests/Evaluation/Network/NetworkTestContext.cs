using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Loading;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Network;

/// <summary>A scan context over YAML text, for engine-level tests.</summary>
internal sealed class NetworkTestContext : IDisposable
{
    private readonly LoadResult _load;

    public NetworkTestContext(string yaml, ScanOptions? options = null)
    {
        _load = new InputLoader().LoadText("test.yaml", yaml);
        Assert.Empty(_load.Errors);
        Context = new ScanContext(_load.Snapshot, options ?? new ScanOptions());
    }

    public ScanContext Context { get; }

    public NetworkPolicyEngine Engine => Context.NetworkPolicies;

    public NetworkPolicyInfo Policy(string name) => Engine.All.Single(p => p.Name == name);

    public void Dispose() => _load.Dispose();

    public static PodEndpoint Pod(string ns, params string[] labels) => Pod(ns, [], labels);

    public static PodEndpoint Pod(string ns, IReadOnlyList<DeclaredPort> ports, params string[] labels)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i < labels.Length; i += 2)
        {
            d[labels[i]] = labels[i + 1];
        }

        return new PodEndpoint(ns, d, ports);
    }
}
