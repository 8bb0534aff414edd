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
    private double _stepMs;
    private double _computeMs;
    private double _slowestComputeMs;
    private double _workerSerializeMs;
    private double _barrierMs;
    private double _updateMs;
    private double _serverSerializeMs;
    private double _bytesDown;
    private double _bytesUp;
    private double _workerSent;
    private double _workerReceived;

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
        _steps++;
        _stepMs += Stopwatch.GetElapsedTime(_started, now).TotalMilliseconds;
        _barrierMs += Stopwatch.GetElapsedTime(_issued, _lastArrival).TotalMilliseconds;
        _updateMs += _updateTicks * 1000.0 / Stopwatch.Frequency;
        _serverSerializeMs += transport.SerializeMs - _serializeMsAtStart;
        _bytesDown += transport.BytesSent - _sentAtStart;
        _bytesUp += transport.BytesReceived - _receivedAtStart;
        if (_stepGradients > 0)
        {
            _computeMs += _stepComputeSum / _stepGradients;
            _slowestComputeMs += _stepComputeMax;
            _workerSerializeMs += _stepWorkerSerializeSum / _stepGradients;
            _workerSent += _stepWorkerSentSum / _stepGradients;
            _workerReceived += _stepWorkerReceivedSum / _stepGradients;
            _updateMs += _stepWorkerUpdateSum / _stepGradients; // a sharded server's key ranges update on the workers
        }
    }

    /// <summary>Averages per completed step (null before the first).</summary>
    public StepTimings? Summary()
    {
        if (_steps == 0)
        {
            return null;
        }

        double n = _steps;
        return new StepTimings(_steps, _stepMs / n, _computeMs / n, _slowestComputeMs / n, _workerSerializeMs / n, _barrierMs / n,
            _updateMs / n, _serverSerializeMs / n, _bytesDown / n / BytesPerMb, _bytesUp / n / BytesPerMb,
            _workerSent / n / BytesPerMb, _workerReceived / n / BytesPerMb);
    }
}
