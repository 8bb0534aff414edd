namespace RnnCluster.Cluster.Hosting;

/// <summary>The supervisor's answer to a submission: accepted with a job id, or rejected with the reason.</summary>
public sealed record SubmitResult(bool Accepted, string? JobId, string? Reason, string? Task = null);
