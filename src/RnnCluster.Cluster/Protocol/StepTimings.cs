using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Where the time of a sync step goes, averaged over <see cref="Steps"/> completed steps (milliseconds,
/// megabytes of 10⁶ bytes).
/// <list type="bullet">
/// <item><see cref="StepMs"/>: the parameter server's wall time per step, from issuing the step to the
/// update applied.</item>
/// <item><see cref="ComputeMs"/>: a worker's compute per step (patching its weights, forward, backward,
/// gathering the gradient), averaged over workers; <see cref="SlowestComputeMs"/>: the slowest worker's.</item>
/// <item><see cref="WorkerSerializeMs"/>: a worker's decoding of the step and weights plus encoding of
/// its gradient, averaged over workers.</item>
/// <item><see cref="BarrierMs"/>: from the step's messages being issued to the last gradient in; it
/// contains the workers' compute and serialization, the transfers both ways, and the server's decoding
/// and summing of gradients that arrive before the last one.</item>
/// <item><see cref="UpdateMs"/>: the server summing gradients in worker order, clipping and applying;
/// with a sharded server, a worker's summing, clipping and applying of its key range (averaged over workers).</item>
/// <item><see cref="ServerSerializeMs"/>: the server encoding the step messages (each weight patch once)
/// and decoding the gradients.</item>
/// <item><see cref="MbDown"/> / <see cref="MbUp"/>: bytes the server's node sent to all workers / received from them.</item>
/// <item><see cref="WorkerMbSent"/> / <see cref="WorkerMbReceived"/>: bytes a worker's node sent / received
/// per step (to and from the server and, with a sharded server, the other workers), averaged over workers.</item>
/// </list>
/// Messages between actors of one process are not serialized and count no bytes.
/// </summary>
[MessagePackObject(true)]
public sealed record StepTimings(
    long Steps,
    double StepMs,
    double ComputeMs,
    double SlowestComputeMs,
    double WorkerSerializeMs,
    double BarrierMs,
    double UpdateMs,
    double ServerSerializeMs,
    double MbDown,
    double MbUp,
    double WorkerMbSent = 0,
    double WorkerMbReceived = 0)
{
    /// <summary>
    /// The step's wall time split into four parts that sum to <see cref="StepMs"/> (milliseconds):
    /// compute (the workers' mean), wait (the slowest worker's compute beyond the mean: the barrier's
    /// wait for stragglers), update, and communication (the rest: serialization, transfers, issuing).
    /// </summary>
    public (double ComputeMs, double WaitMs, double CommunicationMs, double UpdateMs) Split()
    {
        var wait = Math.Max(0, SlowestComputeMs - ComputeMs);
        var update = Math.Min(UpdateMs, StepMs);
        var compute = Math.Min(ComputeMs, StepMs - update);
        wait = Math.Min(wait, StepMs - update - compute);
        return (compute, wait, StepMs - update - compute - wait, update);
    }

    /// <summary>One line for a log: "41.2 ms (compute 19.0, wait 1.3, communication 18.6, update 2.3; 21.8 MB down, 21.5 MB up) over 200 steps".</summary>
    public string Describe()
    {
        var (compute, wait, communication, update) = Split();
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{StepMs:F1} ms (compute {compute:F1}, wait {wait:F1}, communication {communication:F1}, update {update:F1}; {MbDown:F1} MB down, {MbUp:F1} MB up) over {Steps} steps");
    }
}
