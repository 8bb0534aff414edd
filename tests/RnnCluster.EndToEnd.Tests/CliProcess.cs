using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// One running <c>rnncluster</c> process: its JSON output lines as events, its standard error, and
/// a Dispose that kills the whole process tree if it is still running.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly Process _process;
    private readonly List<JsonElement> _events = [];
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process)
    {
        _process = process;
    }

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public IReadOnlyList<JsonElement> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public static CliProcess Start(params string[] args) => Start(Environment.CurrentDirectory, args);

    public static CliProcess Start(string workingDirectory, params string[] args) => Start(CliExecutable.StartInfo(args, workingDirectory));

    /// <summary>Starts rnncluster with <paramref name="environment"/> added to this process's environment.</summary>
    public static CliProcess StartWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = CliExecutable.StartInfo(args, Environment.CurrentDirectory);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Start(info);
    }

    /// <summary>Starts rnncluster inside Linux network namespace <paramref name="netns"/> (<c>ip netns exec</c>, which becomes the program: the pid is rnncluster's).</summary>
    public static CliProcess StartInNamespace(string netns, params string[] args)
    {
        var info = CliExecutable.StartInfo(args, Environment.CurrentDirectory);
        string[] command = ["netns", "exec", netns, info.FileName, .. info.ArgumentList];
        info.FileName = "ip";
        info.ArgumentList.Clear();
        foreach (var part in command)
        {
            info.ArgumentList.Add(part);
        }

        return Start(info);
    }

    private static CliProcess Start(ProcessStartInfo info)
    {
        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => cli.OnError(e.Data);
        process.Start();
        cli.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs to the end within <paramref name="timeout"/> (killed and failed otherwise).</summary>
    public static async Task<CliProcess> RunAsync(TimeSpan timeout, params string[] args)
    {
        var cli = Start(args);
        try
        {
            await cli.WaitForExitAsync(timeout);
            return cli;
        }
        catch
        {
            cli.Dispose();
            throw;
        }
    }

    public IEnumerable<JsonElement> EventsNamed(string name) => Events.Where(e => e.TryGetProperty("event", out var n) && n.GetString() == name);

    /// <summary>The first event matching <paramref name="match"/>, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForEventAsync(string name, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var e in EventsNamed(name))
            {
                if (match(e))
                {
                    return e;
                }
            }

            if (_process.HasExited && _outputClosed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) without a matching '{name}' event. {Describe()}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"no matching '{name}' event within {timeout.TotalSeconds:F0}s. {Describe()}");
            }

            await Task.Delay(Poll);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            await Task.WhenAll(_outputClosed.Task, _errorsClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            KillTree();
            throw new TimeoutException($"rnncluster did not exit within {timeout.TotalSeconds:F0}s. {Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL this process alone (its children, if any, are left to notice).</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>Asks a <c>node --exit-on-stdin-close</c> process to leave by closing its standard input.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    public string Describe() => $"stdout: {Tail(Output)} stderr: {Tail(Errors)}";

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : "…" + text[^3000..];

    private void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _outputClosed.TrySetResult();
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (!line.StartsWith('{'))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            lock (_events)
            {
                _events.Add(document.RootElement.Clone());
            }
        }
        catch (JsonException)
        {
            // Not an event (a log line that happens to start with a brace).
        }
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            _errorsClosed.TrySetResult();
            return;
        }

        lock (_errors)
        {
            _errors.AppendLine(line);
        }
    }
}
