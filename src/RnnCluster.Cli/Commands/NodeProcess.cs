using System.Diagnostics;
using RnnCluster.Cli.Output;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// A <c>rnncluster node</c> child process: started, read until it reports its port, stopped.
/// The child runs with <c>--exit-on-stdin-close</c>, so closing its standard input asks it to leave
/// the cluster, and it also exits when this process dies without cleaning up (the pipe closes).
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private const int TailLines = 30;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource<NodeStarted> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(string role, Process process)
    {
        Role = role;
        _process = process;
    }

    public string Role { get; }

    public int Pid { get; private set; }

    public int Port { get; private set; }

    /// <summary>A coordinator's dashboard address (null: none).</summary>
    public string? Dashboard { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the process has exited.</summary>
    public Task Exited { get; private set; } = Task.CompletedTask;

    /// <summary>The last lines the node wrote (standard output after start-up, and standard error).</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(" | ", _tail);
            }
        }
    }

    /// <summary>The last line the node wrote, or "(none)".</summary>
    public string LastLine
    {
        get
        {
            lock (_tail)
            {
                return _tail.Count > 0 ? _tail.Last() : "(none)";
            }
        }
    }

    /// <summary>The exit code once the process has exited (128 + signal number when a signal ended it), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts <c>rnncluster node --json NODE_ARGS</c> and waits for its node line.</summary>
    public static async Task<NodeProcess> StartAsync(string role, IEnumerable<string> nodeArgs, TimeSpan timeout, CancellationToken cancel)
    {
        var args = new List<string> { "node", "--json", "--exit-on-stdin-close" };
        args.AddRange(nodeArgs);
        var process = new Process { StartInfo = SelfExecutable.StartInfo(args) };
        var node = new NodeProcess(role, process);
        process.OutputDataReceived += (_, e) => node.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => node.Remember(e.Data);
        process.Start();
        node.Pid = process.Id;
        node.Exited = process.WaitForExitAsync(CancellationToken.None);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var started = await node._started.Task.WaitAsync(timeout, cancel);
            node.Port = started.Port;
            node.Dashboard = started.Dashboard;
            return node;
        }
        catch (TimeoutException)
        {
            await node.DisposeAsync();
            throw new CliError($"the {role} node did not start within {timeout.TotalSeconds:F0}s: {node.Tail}");
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the node's standard input so it leaves the cluster; kills it after a grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(StopGrace);
        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            // Its reason is on standard error, which may still be being read: wait for the process
            // (and both streams) to end first, off this handler's thread.
            _ = Task.Run(() =>
            {
                _process.WaitForExit();
                _started.TrySetException(new CliError($"the {Role} node exited before it was up: {Tail}"));
            });
            return;
        }

        if (!_started.Task.IsCompleted && NodeStarted.TryParse(line, out var started))
        {
            _started.TrySetResult(started!);
            return;
        }

        Remember(line);
    }

    private void Remember(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }
}
