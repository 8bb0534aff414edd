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
            if (!await client.CancelAsync(id, contact.Timeout(result)))
            {
                var jobs = (await client.GetStatusAsync(contact.Timeout(result))).Jobs;
                throw new CliError(jobs.FirstOrDefault(j => j.Id == id) is { } known
                    ? $"job {id} has already ended ({known.State}); only a queued or running job can be cancelled"
                    : $"no job {Core.Text.QuotedText.Quote(id)} on this cluster" + (jobs.Count == 0 ? " (it has no jobs)" : $" (its jobs: {string.Join(", ", jobs.Select(j => j.Id))})"));
            }

            Console.WriteLine($"cancelled {id}");
            return 0;
        }));
        return command;
    }
}
