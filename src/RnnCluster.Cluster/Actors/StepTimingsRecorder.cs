using System.Diagnostics;
using RnnCluster.Cluster.Protocol;

namespace RnnCluster.Cluster.Actors;

/// <summary>
/// The parameter server's measurements of sync steps (see <see cref="StepTimings"/> for what each
/// figure covers): marks taken as a step is issued, as gradients arrive and as it completes, summed
/// over completed steps. A step that is aborted and redone counts once, with its last attempt.
/// </summary>
internal sealed class StepTimingsRecorder
{
    private const double BytesPerMb = 1e6;

    private long _started;
    private long _issued;
    private long _lastArrival;
    private long _updateTicks;
    private double _serializeMsAtStart;
    private long _sentAtStart;
    private long _receivedAtStart;
    private double _stepComputeSum;
    private double _stepComputeMax;
    private double _stepWorkerSerializeSum;
    private double _stepWorkerSentSum;
    private double _stepWorkerReceivedSum;
    private double _stepWorkerUpdateSum;
    private int _stepGradients;

    private long _steps;
    private StepTimings _total = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>The last completed step's figures (<see cref="StepTimings.Steps"/> 1; null before the first).</summary>
    public StepTimings? LastStep { get; private set; }

    /// <summary>Before the step's messages are serialized and sent.</summary>
    public void StepStarting(Transport transport)
    {
        _started = Stopwatch.GetTimestamp();
        _serializeMsAtStart = transport.SerializeMs;
        _sentAtStart = transport.BytesSent;
        _receivedAtStart = transport.BytesReceived;
        _updateTicks = 0;
        _stepComputeSum = 0;
        _stepComputeMax = 0;
        _stepWorkerSerializeSum = 0;
        _stepWorkerSentSum = 0;
        _stepWorkerReceivedSum = 0;
        _stepWorkerUpdateSum = 0;
        _stepGradients = 0;
    }

    /// <summary>After every message of the step has been handed to the transport.</summary>
    public void StepIssued() => _issued = Stopwatch.GetTimestamp();

    public void GradientArrived(GradientResult result)
    {
        _lastArrival = Stopwatch.GetTimestamp();
        _stepComputeSum += result.ComputeMs;
        _stepComputeMax = Math.Max(_stepComputeMax, result.ComputeMs);
        _stepWorkerSerializeSum += result.SerializeMs;
        _stepWorkerSentSum += result.BytesSent;
        _stepWorkerReceivedSum += result.BytesReceived;
        _stepWorkerUpdateSum += result.UpdateMs;
        _stepGradients++;
    }

    /// <summary>Time spent summing, clipping and applying (<see cref="Stopwatch"/> ticks).</summary>
    public void AddUpdate(long ticks) => _updateTicks += ticks;

    public void StepCompleted(Transport transport)
    {
        var now = Stopwatch.GetTimestamp();
        var gradients = Math.Max(_stepGradients, 1);
        var last = new StepTimings(
            1,
            Stopwatch.GetElapsedTime(_started, now).TotalMilliseconds,
            _stepComputeSum / gradients,
            _stepComputeMax,
            _stepWorkerSerializeSum / gradients,
            Stopwatch.GetElapsedTime(_issued, _lastArrival).TotalMilliseconds,
            (_updateTicks * 1000.0 / Stopwatch.Frequency) + (_stepWorkerUpdateSum / gradients), // a sharded server's key ranges update on the workers
            transport.SerializeMs - _serializeMsAtStart,
            (transport.BytesSent - _sentAtStart) / BytesPerMb,
            (transport.BytesReceived - _receivedAtStart) / BytesPerMb,
            _stepWorkerSentSum / gradients / BytesPerMb,
            _stepWorkerReceivedSum / gradients / BytesPerMb);
        LastStep = last;
        _steps++;
        _total = new StepTimings(_steps, _total.StepMs + last.StepMs, _total.ComputeMs + last.ComputeMs, _total.SlowestComputeMs + last.SlowestComputeMs,
            _total.WorkerSerializeMs + last.WorkerSerializeMs, _total.BarrierMs + last.BarrierMs, _total.UpdateMs + last.UpdateMs,
            _total.ServerSerializeMs + last.ServerSerializeMs, _total.MbDown + last.MbDown, _total.MbUp + last.MbUp,
            _total.WorkerMbSent + last.WorkerMbSent, _total.WorkerMbReceived + last.WorkerMbReceived);
    }

    /// <summary>Averages per completed step (null before the first).</summary>
    public StepTimings? Summary()
    {
        if (_steps == 0)
        {
            return null;
        }

        double n = _steps;
        var t = _total;
        return new StepTimings(_steps, t.StepMs / n, t.ComputeMs / n, t.SlowestComputeMs / n, t.WorkerSerializeMs / n, t.BarrierMs / n,
            t.UpdateMs / n, t.ServerSerializeMs / n, t.MbDown / n, t.MbUp / n, t.WorkerMbSent / n, t.WorkerMbReceived / n);
    }
}
