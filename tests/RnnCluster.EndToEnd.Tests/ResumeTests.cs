namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>train --resume</c> continues a run from any of its checkpoints to bitwise the same weights.</summary>
public sealed class ResumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // Dropout, a schedule that follows validation and carried hidden state all have to survive the restart.
    private static string[] Job(int epochs) => ["--hidden", "16", "--layers", "1", "--dropout", "0.3", "--builtin-train-tokens", "3000",
        "--builtin-valid-tokens", "500", "--batch", "4", "--bptt", "10", "--epochs", $"{epochs}", "--decay-on-plateau", "1000", "--threads", "1"];

    [Fact]
    public async Task Should_reach_the_same_weights_from_a_mid_epoch_or_an_epoch_end_checkpoint()
    {
        using var directory = new TempDirectory();
        var checkpoints = directory.File("ck");
        using var full = await CliProcess.RunAsync(Timeout, ["train", .. Job(3), "--checkpoint-dir", checkpoints, "--checkpoint-every", "20", "--json"]);
        Assert.True(full.ExitCode == 0, full.Describe());
        var summary = Assert.Single(full.EventsNamed("summary"));
        var digest = summary.GetProperty("weights_sha256").GetString();
        Assert.True(File.Exists(Path.Combine(checkpoints, "step-00000020.rnnc")), "a mid-epoch checkpoint every 20 steps");

        // Copies: the resumed runs write their own checkpoints into the job's directory.
        var saved = directory.File("saved");
        Directory.CreateDirectory(saved);
        foreach (var name in new[] { "step-00000020.rnnc", "epoch-001.rnnc", "step-00000100.rnnc", "epoch-002.rnnc" })
        {
            File.Copy(Path.Combine(checkpoints, name), Path.Combine(saved, name));
        }

        foreach (var name in new[] { "step-00000020.rnnc", "epoch-001.rnnc", "step-00000100.rnnc", "epoch-002.rnnc" })
        {
            using var resumed = await CliProcess.RunAsync(Timeout, "train", "--resume", Path.Combine(saved, name), "--json");
            Assert.True(resumed.ExitCode == 0, $"{name}: {resumed.Describe()}");
            var again = Assert.Single(resumed.EventsNamed("summary"));
            Assert.Equal(digest, again.GetProperty("weights_sha256").GetString());
            Assert.Equal(summary.GetProperty("steps").GetInt64(), again.GetProperty("steps").GetInt64());
            Assert.Equal(summary.GetProperty("valid_ppl").GetDouble(), again.GetProperty("valid_ppl").GetDouble());
        }
    }

    [Fact]
    public async Task Should_resume_from_another_directory_with_the_files_the_run_named_relatively_and_other_threads()
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.File("text.txt"), string.Concat(Enumerable.Repeat("the cat sat on the mat\nthe dog sat on the log\n", 150)));
        Directory.CreateDirectory(directory.File("elsewhere"));
        string[] args = ["train", "--corpus", "text.txt", "--hidden", "16", "--layers", "1", "--batch", "4", "--bptt", "10", "--epochs", "2", "--threads", "1",
            "--checkpoint-dir", "ck", "--checkpoint-every", "30", "--deterministic", "--json"];
        using var full = CliProcess.Start(directory.Path, args);
        Assert.True(await full.WaitForExitAsync(Timeout) == 0, full.Describe());
        var digest = Assert.Single(full.EventsNamed("summary")).GetProperty("weights_sha256").GetString();
        File.Delete(directory.File("ck/epoch-002.rnnc"));

        // On another machine, another thread count: deterministic training gives the same weights.
        using var resumed = CliProcess.Start(directory.File("elsewhere"), "train", "--resume", "../ck/step-00000030.rnnc", "--threads", "2", "--json");
        Assert.True(await resumed.WaitForExitAsync(Timeout) == 0, resumed.Describe());
        Assert.Equal(digest, Assert.Single(resumed.EventsNamed("summary")).GetProperty("weights_sha256").GetString());
        Assert.True(File.Exists(directory.File("ck/epoch-002.rnnc")), "the resumed run writes into the run's checkpoint directory");
        Assert.False(Directory.Exists(directory.File("elsewhere/ck")));

        // The corpus moved: the error says the run reads it where the checkpoint recorded it.
        File.Move(directory.File("text.txt"), directory.File("moved.txt"));
        using var moved = CliProcess.Start(directory.Path, "train", "--resume", "ck/step-00000030.rnnc");
        Assert.True(await moved.WaitForExitAsync(Timeout) != 0, moved.Describe());
        Assert.Contains($"the run reads the files its checkpoint recorded, at the same paths: --corpus '{directory.File("text.txt")}': not found", moved.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_train_a_finished_run_on_with_a_new_total_of_epochs_to_the_weights_of_a_run_started_with_it()
    {
        using var directory = new TempDirectory();
        var checkpoints = directory.File("ck");
        using var longer = await CliProcess.RunAsync(Timeout, ["train", .. Job(3), "--json"]);
        Assert.True(longer.ExitCode == 0, longer.Describe());
        var expected = Assert.Single(longer.EventsNamed("summary"));
        using (var shorter = await CliProcess.RunAsync(Timeout, ["train", .. Job(2), "--checkpoint-dir", checkpoints, "--json"]))
        {
            Assert.True(shorter.ExitCode == 0, shorter.Describe());
            Assert.NotEqual(expected.GetProperty("weights_sha256").GetString(), Assert.Single(shorter.EventsNamed("summary")).GetProperty("weights_sha256").GetString());
        }

        // The schedule (here: the rate decays after every epoch) runs on as in the 3-epoch run.
        using var extended = await CliProcess.RunAsync(Timeout, "train", "--resume", Path.Combine(checkpoints, "epoch-002.rnnc"), "--epochs", "3", "--json");
        Assert.True(extended.ExitCode == 0, extended.Describe());
        var summary = Assert.Single(extended.EventsNamed("summary"));
        Assert.Equal(expected.GetProperty("weights_sha256").GetString(), summary.GetProperty("weights_sha256").GetString());
        Assert.Equal(expected.GetProperty("valid_ppl").GetDouble(), summary.GetProperty("valid_ppl").GetDouble());
        Assert.Equal(3, summary.GetProperty("epochs").GetInt32());
        Assert.Contains(extended.EventsNamed("start"), e => e.GetProperty("message").GetString() is { } m
            && m.StartsWith("training: sgd, lr 1, ×0.5 after each epoch that improves validation perplexity by less than 1000; batch 4, BPTT 10, dropout 0.3, clip 5; 3 epoch(s)", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(checkpoints, "epoch-003.rnnc")), "the extended run checkpoints into the run's directory");
    }

    [Fact]
    public async Task Should_write_the_resumed_run_into_another_checkpoint_directory_when_given_one()
    {
        using var directory = new TempDirectory();
        var (checkpoints, elsewhere) = (directory.File("ck"), directory.File("elsewhere"));
        using var full = await CliProcess.RunAsync(Timeout, ["train", .. Job(2), "--checkpoint-dir", checkpoints, "--checkpoint-every", "20", "--json"]);
        Assert.True(full.ExitCode == 0, full.Describe());
        var digest = Assert.Single(full.EventsNamed("summary")).GetProperty("weights_sha256").GetString();
        var before = Directory.GetFiles(checkpoints).Order().ToArray();

        using var resumed = await CliProcess.RunAsync(Timeout, "train", "--resume", Path.Combine(checkpoints, "step-00000020.rnnc"), "--checkpoint-dir", elsewhere, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Describe());
        Assert.Equal(digest, Assert.Single(resumed.EventsNamed("summary")).GetProperty("weights_sha256").GetString());
        Assert.Equal(before, Directory.GetFiles(checkpoints).Order().ToArray());
        Assert.True(File.Exists(Path.Combine(elsewhere, "epoch-002.rnnc")), "the resumed run writes into the given directory");
        Assert.True(File.Exists(Path.Combine(elsewhere, "step-00000140.rnnc")), "every 20 steps, as the run's job says");

        // Its checkpoints record the new directory: a run resumed from one writes there again.
        using var extended = await CliProcess.RunAsync(Timeout, "train", "--resume", Path.Combine(elsewhere, "epoch-002.rnnc"), "--epochs", "3", "--json");
        Assert.True(extended.ExitCode == 0, extended.Describe());
        Assert.True(File.Exists(Path.Combine(elsewhere, "epoch-003.rnnc")), extended.Describe());
        Assert.Equal(before, Directory.GetFiles(checkpoints).Order().ToArray());
    }

    [Fact]
    public async Task Should_name_a_checkpoint_cut_short_by_max_steps_by_its_step_and_train_it_on_with_a_new_limit()
    {
        using var directory = new TempDirectory();
        var checkpoints = directory.File("ck");
        using var run = await CliProcess.RunAsync(Timeout, ["train", .. Job(2), "--max-steps", "4", "--checkpoint-dir", checkpoints]);
        Assert.True(run.ExitCode == 0, run.Describe());

        // Four steps of a 75-step epoch are no epoch's end.
        Assert.Equal("step-00000004.rnnc", Path.GetFileName(Assert.Single(Directory.GetFiles(checkpoints))));
        Assert.Contains($"--checkpoint-dir: {checkpoints} holds the run's checkpoints (the last: step-00000004.rnnc)", run.Output, StringComparison.Ordinal);

        // Its end is the step limit: the error names --max-steps, and lifting it trains the run to its end.
        var last = Path.Combine(checkpoints, "step-00000004.rnnc");
        using var ended = await CliProcess.RunAsync(Timeout, "train", "--resume", last, "--epochs", "3");
        Assert.True(ended.ExitCode != 0, ended.Describe());
        Assert.Contains("the checkpoint is the end of its run (step 4 of --max-steps 4): there is nothing left to train; give --max-steps N (more than 4, or 0: no limit) to train it on", ended.Errors, StringComparison.Ordinal);
        using var lifted = await CliProcess.RunAsync(Timeout, "train", "--resume", last, "--max-steps", "0", "--json");
        Assert.True(lifted.ExitCode == 0, lifted.Describe());
        using var whole = await CliProcess.RunAsync(Timeout, ["train", .. Job(2), "--json"]);
        Assert.True(whole.ExitCode == 0, whole.Describe());
        var (expected, summary) = (Assert.Single(whole.EventsNamed("summary")), Assert.Single(lifted.EventsNamed("summary")));
        Assert.Equal(150, summary.GetProperty("steps").GetInt64());
        Assert.Equal(expected.GetProperty("weights_sha256").GetString(), summary.GetProperty("weights_sha256").GetString());

        // A step limit inside the last epoch: its end validates, but the epoch is not done; lifting the limit finishes it.
        var later = directory.File("later");
        using (var cut = await CliProcess.RunAsync(Timeout, ["train", .. Job(2), "--max-steps", "100", "--checkpoint-dir", later]))
        {
            Assert.True(cut.ExitCode == 0, cut.Describe());
        }

        using var finished = await CliProcess.RunAsync(Timeout, "train", "--resume", Path.Combine(later, "step-00000100.rnnc"), "--max-steps", "0", "--json");
        Assert.True(finished.ExitCode == 0, finished.Describe());
        var end = Assert.Single(finished.EventsNamed("summary"));
        Assert.Equal(150, end.GetProperty("steps").GetInt64());
        Assert.Equal(expected.GetProperty("weights_sha256").GetString(), end.GetProperty("weights_sha256").GetString());
    }

    [Fact]
    public async Task Should_refuse_job_flags_a_model_file_and_a_finished_run_in_one_line()
    {
        using var directory = new TempDirectory();
        var (checkpoints, model) = (directory.File("ck"), directory.File("model.rnnc"));
        using (var run = await CliProcess.RunAsync(Timeout, ["train", .. Job(1), "--checkpoint-dir", checkpoints, "--out", model]))
        {
            Assert.True(run.ExitCode == 0, run.Describe());
        }

        var last = Path.Combine(checkpoints, "epoch-001.rnnc");
        (string[] Args, string Expected)[] cases =
        [
            (["train", "--resume", last, "--lr", "2"], "--lr cannot be given with --resume"),
            (["train", "--resume", model], "--resume: " + model + " is a model file written by --out, not a checkpoint of --checkpoint-dir"),
            (["train", "--resume", last], "the checkpoint is the end of its run (epoch 1 of 1): there is nothing left to train; give --epochs N (more than 1) to train it on"),
            (["train", "--resume", last, "--epochs", "2", "--checkpoint-dir", " "], "--checkpoint-dir: the path is empty"),
            (["train", "--resume", last, "--epochs", "2", "--max-steps", "75"], "--max-steps 75: the checkpoint " + last + " has already trained 75 steps; give more than 75 (or 0: no limit) to train on from it"),
            (["train", "--resume", last, "--epochs", "1"], "--epochs 1: the checkpoint " + last + " has already trained 1 epoch(s); give more than 1 to train on from it"),
            (["train", "--resume", directory.File("missing.rnnc")], "--resume: checkpoint '" + directory.File("missing.rnnc") + "' does not exist"),
        ];
        foreach (var (args, expected) in cases)
        {
            using var refused = await CliProcess.RunAsync(Timeout, args);
            Assert.True(refused.ExitCode != 0, refused.Describe());
            var line = Assert.Single(refused.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("rnncluster: ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
    }
}
