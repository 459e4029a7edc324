using System.Globalization;

namespace KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

/// <summary>Resident-set figures of this process from /proc/self/status (Linux); 0 elsewhere.</summary>
internal static class ProcessMemory
{
    private const double KiBPerMiB = 1024.0;

    /// <summary>Peak resident set size ("high water mark") in MiB.</summary>
    public static double PeakRssMb() => Read("VmHWM:") / KiBPerMiB;

    public static double RssMb() => Read("VmRSS:") / KiBPerMiB;

    /// <summary>
    /// Resets VmHWM to the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so the next
    /// <see cref="PeakRssMb"/> is the peak of what runs after this call. False when the kernel refused.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Read(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var digits = line[key.Length..].Trim().Split(' ')[0];
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux: memory columns read 0.
        }

        return 0;
    }
}

/// <summary>
/// Samples the managed heap on a background thread while a phase runs: the maximum of
/// <see cref="GCMemoryInfo.HeapSizeBytes"/> (heap size at the last GC) and of <see cref="GC.GetTotalMemory(bool)"/>
/// (bytes currently allocated, garbage included until it is collected).
/// </summary>
internal sealed class HeapSampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _maxGcInfo;
    private long _maxTotal;

    public HeapSampler()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "heap-sampler", Priority = ThreadPriority.AboveNormal };
        Sample();
        _thread.Start();
    }

    public double PeakGcInfoMb => Interlocked.Read(ref _maxGcInfo) / (1024.0 * 1024);

    public double PeakTotalMemoryMb => Interlocked.Read(ref _maxTotal) / (1024.0 * 1024);

    /// <summary>The larger of the two peaks.</summary>
    public double PeakMb => Math.Max(PeakGcInfoMb, PeakTotalMemoryMb);

    public void Stop()
    {
        Sample();
        _stop = true;
        _thread.Join();
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }
    }

    private void Loop()
    {
        while (!_stop)
        {
            Sample();
            Thread.Sleep(2);
        }
    }

    private void Sample()
    {
        Max(ref _maxGcInfo, GC.GetGCMemoryInfo().HeapSizeBytes);
        Max(ref _maxTotal, GC.GetTotalMemory(false));
    }

    private static void Max(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
