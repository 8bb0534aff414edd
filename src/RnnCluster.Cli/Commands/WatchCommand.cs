using System.CommandLine;
using RnnCluster.Cli.Output;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster watch JOB_ID</c>: follow a job until it ends.</summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var contact = new ContactOptions();
        var jobId = new Argument<string>("job-id") { Description = "the id `submit` printed" };
        var json = new Option<bool>("--json") { Description = "print one JSON object per line instead of progress bars" };
        var command = new Command("watch", "Show a job's progress until it ends; exit non-zero if it failed or was cancelled. Ctrl-C stops watching, not the job.") { jobId, json };
        contact.AddTo(command);
        command.SetAction((result, cancel) => CliError.Guard(async () =>
        {
            var id = result.GetValue(jobId)!;
            await using var client = await contact.ConnectAsync(result, cancel);
            var jobs = (await client.GetStatusAsync(contact.Timeout(result))).Jobs;
            if (jobs.FirstOrDefault(j => j.Id == id) is not { } watched)
            {
                throw new CliError($"no job {Core.Text.QuotedText.Quote(id)} on this cluster" + (jobs.Count == 0 ? " (it has no jobs)" : $" (its jobs: {string.Join(", ", jobs.Select(j => j.Id))})"));
            }

            return new JobEventView(result.GetValue(json), watched.Task).Follow(id, client.WatchAsync(id, cancel), cancel, detached: true);
        }));
        return command;
    }
}
