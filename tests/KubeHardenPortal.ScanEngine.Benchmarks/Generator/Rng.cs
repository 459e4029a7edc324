namespace KubeHardenPortal.ScanEngine.Benchmarks.Generator;

/// <summary>
/// Seeded randomness for the generator. <see cref="Random(int)"/> with a seed uses the legacy algorithm, which is
/// stable across .NET versions, so a seed always produces the same snapshot bytes.
/// </summary>
internal sealed class Rng(int seed)
{
    // Kubernetes' name-suffix alphabet (no vowels, no confusable characters).
    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Random _random = new(seed);

    public int Int(int minInclusive, int maxInclusive) => _random.Next(minInclusive, maxInclusive + 1);

    public bool Chance(double p) => _random.NextDouble() < p;

    public double Double() => _random.NextDouble();

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>Picks an index by weight.</summary>
    public int Weighted(params int[] weights)
    {
        var total = 0;
        foreach (var w in weights)
        {
            total += w;
        }

        var roll = _random.Next(total);
        for (var i = 0; i < weights.Length; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    public string Suffix(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = SuffixAlphabet[_random.Next(SuffixAlphabet.Length)];
        }

        return new string(chars);
    }

    public string Hex(int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        _random.NextBytes(buffer);
        return Convert.ToHexStringLower(buffer);
    }

    public string Uid()
    {
        Span<byte> buffer = stackalloc byte[16];
        _random.NextBytes(buffer);
        buffer[7] = (byte)((buffer[7] & 0x0F) | 0x40); // version 4, like the API server's
        buffer[8] = (byte)((buffer[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(buffer).ToString("D");
    }

    public string Base64(int bytes)
    {
        var buffer = new byte[bytes];
        _random.NextBytes(buffer);
        return Convert.ToBase64String(buffer);
    }
}
