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
                throw new CliError($"job {id} is not queued or running");
            }

            Console.WriteLine($"cancelled {id}");
            return 0;
        }));
        return command;
    }
}
