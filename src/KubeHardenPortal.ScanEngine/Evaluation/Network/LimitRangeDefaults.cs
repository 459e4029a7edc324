using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>
/// The container defaults a LimitRange injects at admission, after the API server's own defaulting: a missing
/// <c>default</c> falls back to <c>max</c>, and a missing <c>defaultRequest</c> to the (effective) default.
/// Only <c>type: Container</c> entries give containers defaults.
/// </summary>
public sealed class LimitRangeDefaults
{
    private LimitRangeDefaults(KubeObject limitRange, Dictionary<string, string> limits, Dictionary<string, string> requests)
    {
        LimitRange = limitRange;
        Limits = limits;
        Requests = requests;
    }

    public KubeObject LimitRange { get; }

    /// <summary>Default limits per resource name (e.g. "memory", "cpu").</summary>
    public IReadOnlyDictionary<string, string> Limits { get; }

    /// <summary>Default requests per resource name.</summary>
    public IReadOnlyDictionary<string, string> Requests { get; }

    public static LimitRangeDefaults Of(KubeObject limitRange)
    {
        var limits = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in limitRange.Json.Get("spec").Items("limits"))
        {
            if (item.Str("type") != "Container")
            {
                continue;
            }

            var def = KubeObject.ReadMap(item.Get("default"));
            var max = KubeObject.ReadMap(item.Get("max"));
            var req = KubeObject.ReadMap(item.Get("defaultRequest"));
            var effective = new Dictionary<string, string>(def, StringComparer.Ordinal);
            foreach (var (k, v) in max)
            {
                effective.TryAdd(k, v);
            }

            foreach (var (k, v) in effective)
            {
                limits.TryAdd(k, v);
                requests.TryAdd(k, req.TryGetValue(k, out var r) ? r : v);
            }

            foreach (var (k, v) in req)
            {
                requests.TryAdd(k, v);
            }
        }

        return new LimitRangeDefaults(limitRange, limits, requests);
    }
}
