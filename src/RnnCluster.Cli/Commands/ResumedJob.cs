using System.CommandLine;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// The job <c>train --resume</c> runs: its checkpoint's, with what the command line may change of it —
/// where it runs (<c>--threads</c>), where its checkpoints go (<c>--checkpoint-dir</c>) and how long it
/// runs (<c>--epochs</c>, <c>--max-steps</c>). Everything that shapes the weights stays as saved.
/// </summary>
public static class ResumedJob
{
    /// <exception cref="ArgumentException">
    /// Naming the flag: another job flag is given, or the run would have nothing left to train (the
    /// message says which of --epochs and --max-steps to give); naming --resume: the checkpoint is unreadable.
    /// </exception>
    public static (JobDefinition Job, ResumePoint Point) Of(ParseResult result, JobOptions options, string from)
    {
        Option[] mayChange = [options.Json, options.Threads, options.Epochs, options.MaxSteps, options.CheckpointDir];
        if (options.All.FirstOrDefault(o => !mayChange.Contains(o) && Given(result, o)) is { } given)
        {
            throw new ArgumentException($"{given.Name} cannot be given with --resume: a resumed run continues exactly as its checkpoint saved it (only --epochs, --max-steps, --threads, --checkpoint-dir, --json and --log-dir may change)");
        }

        var point = ResumePoint.Read(from);
        var job = point.Job;
        if (Given(result, options.CheckpointDir))
        {
            // Another machine, or the run's directory lost: the resumed run writes (and records) this one.
            job = job with { CheckpointDir = result.GetValue(options.CheckpointDir) };
        }
        else if (job.CheckpointEvery > 0 && job.CheckpointDir is null)
        {
            // A cluster job's checkpoints went to its coordinator's --checkpoint-dir, which a resumed train does not have.
            Console.Error.WriteLine($"rnncluster: warning: the job of {from} asks for a checkpoint every {job.CheckpointEvery} steps but names no checkpoint directory (a submitted job's went to its coordinator's --checkpoint-dir): resumed here, it writes none; give --checkpoint-dir DIR for them");
        }

        if (Given(result, options.Threads))
        {
            // Another machine, or a machine shared differently: the run keeps its stream groups (so its
            // batches are cut as before) and computes them on the given threads. The weights then equal an
            // unstopped run's bitwise with --deterministic (or the same thread count), else up to rounding.
            var groups = job.Training.EffectiveStreamGroups(Threads.Resolve(job.Training.Threads));
            job = job.WithTraining(t => t with { Threads = result.GetValue(options.Threads), StreamGroups = groups });
        }

        // A new length: the schedule runs on as it would have (an epoch's learning rate depends on its
        // number, not on the total), so the run ends as one started with these limits would.
        var (epochs, steps) = (point.EpochsTrained, point.Snapshot.Step);
        if (Given(result, options.Epochs))
        {
            job = job.WithTraining(t => t with { Epochs = result.GetValue(options.Epochs) });
        }

        if (Given(result, options.MaxSteps))
        {
            job = job.WithTraining(t => t with { MaxSteps = result.GetValue(options.MaxSteps) });
        }

        job.Training.Validate(); // a value out of range, named as its flag
        var training = job.Training;
        if (Given(result, options.Epochs) && training.Epochs <= epochs)
        {
            throw new ArgumentException($"--epochs {training.Epochs}: the checkpoint {from} has already trained {epochs} epoch(s); give more than {epochs} to train on from it");
        }

        if (Given(result, options.MaxSteps) && training.MaxSteps > 0 && training.MaxSteps <= steps)
        {
            throw new ArgumentException($"--max-steps {training.MaxSteps}: the checkpoint {from} has already trained {steps} steps; give more than {steps} (or 0: no limit) to train on from it");
        }

        var (ends, ways) = (new List<string>(), new List<string>());
        if (epochs >= training.Epochs)
        {
            ends.Add($"epoch {epochs} of {training.Epochs}");
            ways.Add($"--epochs N (more than {epochs})");
        }

        if (training.MaxSteps > 0 && steps >= training.MaxSteps)
        {
            ends.Add($"step {steps} of --max-steps {training.MaxSteps}");
            ways.Add($"--max-steps N (more than {steps}, or 0: no limit)");
        }

        if (ends.Count > 0)
        {
            throw new ArgumentException($"--resume {from}: the checkpoint is the end of its run ({string.Join(", ", ends)}): there is nothing left to train; give {string.Join(" and ", ways)} to train it on");
        }

        return (job, point);
    }

    private static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };
}
