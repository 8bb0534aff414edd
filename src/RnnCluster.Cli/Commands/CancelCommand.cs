using System.CommandLine;
using RnnCluster.Cli.Output;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster cancel JOB_ID</c>: stop a queued or running job.</summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var contact = new ContactOptions();
        var jobId = new Argument<string>("job-id") { Description = "the id `submit` printed" };
        var command = new Command("cancel", "Cancel a queued or running job.") { jobId };
        contact.AddTo(command);
        command.SetAction((result, cancel) => CliError.Guard(async () =>
        {
            var id = result.GetValue(jobId)!;
            await using var client = await contact.ConnectAsync(result, cancel);
            var (cancelled, retried) = await CancelWithRetriesAsync(client, id, contact.Timeout(result));
            if (!cancelled)
            {
                var jobs = (await client.GetStatusAsync(contact.Timeout(result))).Jobs;
                var known = jobs.FirstOrDefault(j => j.Id == id);
                if (retried && known?.State == Cluster.Protocol.JobStates.Cancelled)
                {
                    Console.WriteLine($"cancelled {id}"); // an earlier attempt got through; its answer was lost in the move
                    return 0;
                }

                throw new CliError(known is not null
                    ? $"job {id} has already ended ({known.State}); only a queued or running job can be cancelled"
                    : $"no job {Core.Text.QuotedText.Quote(id)} on this cluster" + (jobs.Count == 0 ? " (it has no jobs)" : $" (its jobs: {string.Join(", ", jobs.Select(j => j.Id))})"));
            }

            Console.WriteLine($"cancelled {id}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Asks the cluster to cancel <paramref name="id"/>, again every 10 s without an answer until
    /// <paramref name="timeout"/>: while the job supervisor moves to another coordinator a request can
    /// be lost, and the supervisor's new home answers a repeated one (cancelling is idempotent).
    /// Returns whether it was cancelled and whether it took more than one request.
    /// </summary>
    /// <exception cref="TimeoutException">When no request is answered within <paramref name="timeout"/>.</exception>
    private static async Task<(bool Cancelled, bool Retried)> CancelWithRetriesAsync(Cluster.Hosting.ClusterClientConnection client, string id, TimeSpan timeout)
    {
        var attempt = TimeSpan.FromSeconds(Math.Min(10, timeout.TotalSeconds));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var retried = false; ; retried = true)
        {
            try
            {
                return (await client.CancelAsync(id, attempt), retried);
            }
            catch (TimeoutException) when (clock.Elapsed + attempt <= timeout)
            {
                Console.Error.WriteLine($"rnncluster: no answer to the cancel of {id} within {attempt.TotalSeconds:0} s (the job supervisor may be moving to another coordinator); asking again");
            }
        }
    }
}
