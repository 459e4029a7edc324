using System.Collections.Concurrent;

namespace KubeHardenPortal.ScanEngine.Evaluation;

/// <summary>
/// A thread-safe memo of a pure function for values checks ask for again and again (API groups, parsed images, evidence
/// paths). Bounded, because the keys come from the input: past <c>capacity</c> entries, values are computed and not kept.
/// </summary>
internal sealed class BoundedMemo<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _values = new(comparer);

    /// <summary>The memoised value of <paramref name="compute"/> for <paramref name="key"/> (pass a static lambda: no closure).</summary>
    public TValue Get(TKey key, Func<TKey, TValue> compute)
    {
        if (_values.TryGetValue(key, out var value))
        {
            return value;
        }

        value = compute(key);
        if (_values.Count < capacity)
        {
            _values.TryAdd(key, value);
        }

        return value;
    }
}
