using System.CommandLine;
using RnnCluster.Cli.Output;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster submit</c>: send a job to a running cluster; prints its id (and follows it with <c>--watch</c>).</summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var job = new JobOptions();
        var contact = new ContactOptions();
        var watch = new Option<bool>("--watch") { Description = "follow the job until it ends (exit non-zero if it fails)" };
        var resume = new Option<string?>("--resume")
        {
            Description = "continue a failed or cancelled job from its checkpoint, <checkpoint-dir>/<job-id>.<state>.rnnc (a path on the coordinator; a relative one is taken from this command's directory), as a new job with the checkpoint's job definition (job flags are not used)",
        };
        var command = new Command("submit", "Submit a job to the cluster at --contact (flags or a --job file; paths such as --corpus and --out are read and written on the coordinator, a relative one taken from this command's directory). Prints the job id.");
        job.AddTo(command);
        contact.AddTo(command);
        command.Options.Add(watch);
        command.Options.Add(resume);
        command.SetAction((result, cancel) => CliError.Guard(async () =>
        {
            var resumeFrom = result.GetValue(resume);
            if (resumeFrom is not null && string.IsNullOrWhiteSpace(resumeFrom))
            {
                throw new ArgumentException("--resume: the path is empty; give a job checkpoint, <checkpoint-dir>/<job-id>.<state>.rnnc");
            }

            if (resumeFrom is not null && job.All.FirstOrDefault(o => o != job.Json && result.GetResult(o) is { Implicit: false }) is { } given)
            {
                throw new ArgumentException($"{given.Name} cannot be given with --resume: a resumed job continues exactly as its checkpoint saved it");
            }

            // Relative paths name files here, where the command runs: the coordinator gets them absolute.
            var definition = resumeFrom is null ? job.BindWithBuiltinDefaults(result, forCluster: true).WithAbsolutePaths() : null;
            resumeFrom = resumeFrom is null ? null : Path.GetFullPath(resumeFrom);
            var json = result.GetValue(job.Json);
            await using var client = await contact.ConnectAsync(result, cancel);
            var submitted = definition is null
                ? await client.ResumeAsync(resumeFrom!, contact.Timeout(result))
                : await client.SubmitAsync(definition, contact.Timeout(result));
            if (!submitted.Accepted || submitted.JobId is not { } jobId)
            {
                throw new CliError($"job rejected: {submitted.Reason}");
            }

            if (json)
            {
                JsonEvents.Write("submitted", new { job_id = jobId });
            }
            else
            {
                Console.WriteLine(jobId);
            }

            return result.GetValue(watch)
                ? new JobEventView(json, submitted.Task ?? definition?.Task).Follow(jobId, client.WatchAsync(jobId, cancel), cancel, detached: true)
                : 0;
        }));
        return command;
    }
}
