using System.Diagnostics;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>Whether a process id is still a live process (Linux /proc; zombies count as gone).</summary>
internal static class ProcessTable
{
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every pid to be gone; returns those still running.</summary>
    public static async Task<IReadOnlyList<int>> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        List<int> running;
        do
        {
            running = [.. pids.Where(IsRunning)];
            if (running.Count == 0)
            {
                return running;
            }

            await Task.Delay(100);
        }
        while (clock.Elapsed < timeout);

        return running;
    }

    /// <summary>Kills any of <paramref name="pids"/> still running (test cleanup after a failure).</summary>
    public static void KillAll(IEnumerable<int> pids)
    {
        foreach (var pid in pids.Where(IsRunning))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
