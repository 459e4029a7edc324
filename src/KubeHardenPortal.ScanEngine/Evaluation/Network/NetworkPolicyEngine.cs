namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>NetworkPolicy evaluation engine (CATALOG.md §1.10). Filled in by the Network checks work.</summary>
public sealed class NetworkPolicyEngine
{
    internal NetworkPolicyEngine(ScanContext context) => Context = context;

    internal ScanContext Context { get; }
}
