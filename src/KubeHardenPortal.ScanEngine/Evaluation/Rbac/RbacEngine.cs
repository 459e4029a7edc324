namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>RBAC evaluation engine (CATALOG.md §1.9). Filled in by the Auth checks work.</summary>
public sealed class RbacEngine
{
    internal RbacEngine(ScanContext context) => Context = context;

    internal ScanContext Context { get; }
}
