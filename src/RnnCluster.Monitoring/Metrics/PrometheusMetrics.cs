using Prometheus;

namespace RnnCluster.Monitoring.Metrics;

/// <summary>
/// The job series a coordinator exports on <c>/metrics</c> (prometheus-net, Prometheus naming: base
/// units, <c>_total</c> for counters), labelled by <c>job</c>, updated from the same records as the
/// metrics log. The process series (<c>process_*</c>, <c>dotnet_*</c>) are prometheus-net's defaults,
/// on every node that serves <c>/metrics</c>.
/// </summary>
public sealed class PrometheusMetrics
{
    private static readonly string[] JobLabel = ["job"];

    static PrometheusMetrics()
    {
        // The process series stay; the .NET runtime's event counters and every System.Diagnostics meter
        // (a hundred series of Kestrel, sockets and QUIC internals) are left out.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressDebugMetrics = true });
    }

    private readonly Counter _steps = Prometheus.Metrics.CreateCounter("rnncluster_job_steps_total", "Training steps the job has completed.", JobLabel);
    private readonly Gauge _epoch = Prometheus.Metrics.CreateGauge("rnncluster_job_epoch", "The epoch the job is training.", JobLabel);
    private readonly Gauge _tokensPerSecond = Prometheus.Metrics.CreateGauge("rnncluster_job_tokens_per_second", "Training throughput so far, tokens per second.", JobLabel);
    private readonly Gauge _trainPerplexity = Prometheus.Metrics.CreateGauge("rnncluster_job_train_perplexity", "The epoch's training perplexity so far.", JobLabel);
    private readonly Gauge _validPerplexity = Prometheus.Metrics.CreateGauge("rnncluster_job_valid_perplexity", "Validation perplexity after the last epoch.", JobLabel);
    private readonly Gauge _workers = Prometheus.Metrics.CreateGauge("rnncluster_job_workers", "Workers training the job.", JobLabel);
    private readonly Gauge _learningRate = Prometheus.Metrics.CreateGauge("rnncluster_job_learning_rate", "The epoch's learning rate.", JobLabel);
    private readonly Counter _sent = Prometheus.Metrics.CreateCounter("rnncluster_job_sent_bytes_total", "Bytes the busiest node sent for the job's steps.", JobLabel);
    private readonly Counter _received = Prometheus.Metrics.CreateCounter("rnncluster_job_received_bytes_total", "Bytes the busiest node received for the job's steps.", JobLabel);
    private readonly Histogram _stepSeconds = Prometheus.Metrics.CreateHistogram("rnncluster_job_step_duration_seconds", "Wall time of a cluster training step.",
        new HistogramConfiguration { LabelNames = JobLabel, Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    /// <summary>Updates the job's series from one metrics record.</summary>
    public void Observe(string jobId, MetricsRecord record)
    {
        switch (record.Kind)
        {
            case MetricsRecord.StepKind:
                if (record.Step is { } step)
                {
                    _steps.WithLabels(jobId).IncTo(step);
                }

                Set(_epoch, jobId, record.Epoch);
                Set(_tokensPerSecond, jobId, record.TokensPerSec);
                Set(_trainPerplexity, jobId, record.TrainPpl);
                Set(_workers, jobId, record.Workers);
                Set(_learningRate, jobId, record.Lr);
                if (record.ComputeMs is { } compute)
                {
                    var ms = compute + (record.WaitMs ?? 0) + (record.CommunicationMs ?? 0) + (record.UpdateMs ?? 0);
                    _stepSeconds.WithLabels(jobId).Observe(ms / 1000);
                }

                if (record.MbSent is { } sent)
                {
                    _sent.WithLabels(jobId).Inc(sent * 1e6);
                }

                if (record.MbReceived is { } received)
                {
                    _received.WithLabels(jobId).Inc(received * 1e6);
                }

                break;
            case MetricsRecord.EpochKind:
                Set(_validPerplexity, jobId, record.ValidPpl);
                break;
            case MetricsRecord.MemberKind:
                Set(_workers, jobId, record.Workers);
                break;
        }
    }

    private static void Set(Gauge gauge, string jobId, double? value)
    {
        if (value is { } v)
        {
            gauge.WithLabels(jobId).Set(v);
        }
    }
}
