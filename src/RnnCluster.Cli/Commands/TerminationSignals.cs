using System.Runtime.InteropServices;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (docker stop) as a cancellation token, so a node leaves the cluster
/// and <c>local</c> stops its nodes before exiting. System.CommandLine 2.0.0 leaves both signals
/// unhandled (its ProcessTerminationTimeout is null), and the runtime would end the process at once.
/// A second signal after the first is not intercepted: it ends the process.
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration[] _registrations;

    public TerminationSignals(CancellationToken outer)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public CancellationToken Token => _cancel.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancel.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        try
        {
            // Callbacks run on the thread pool: an exception in them must not escape the signal handler.
            _ = _cancel.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The command finished as the signal arrived.
        }
    }
}
