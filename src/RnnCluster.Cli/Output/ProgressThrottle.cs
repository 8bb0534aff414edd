using System.Diagnostics;

namespace RnnCluster.Cli.Output;

/// <summary>
/// Lets a progress report through at most once per <paramref name="interval"/> (the training views'
/// pacing); the first one at once, so a user sees training start without waiting an interval.
/// </summary>
public sealed class ProgressThrottle(TimeSpan interval)
{
    private readonly Stopwatch _sinceLast = new();

    /// <summary>True (and the interval starts again) for the first report, when the interval has passed since the last report let through, or when <paramref name="force"/>.</summary>
    public bool Due(bool force = false)
    {
        if (_sinceLast.IsRunning && _sinceLast.Elapsed < interval && !force)
        {
            return false;
        }

        _sinceLast.Restart();
        return true;
    }

    /// <summary>The pacing of a view: every 2 s with --json, else every 10 s.</summary>
    public static ProgressThrottle ForView(bool json) => new(TimeSpan.FromSeconds(json ? 2 : 10));
}
