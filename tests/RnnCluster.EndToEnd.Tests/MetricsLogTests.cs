using System.Buffers.Binary;
using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

/// <summary><c>train --log-dir</c> writes metrics.jsonl and plots; <c>plot</c> overlays runs.</summary>
public sealed class MetricsLogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The PNG's width and height from its IHDR chunk (the file must be a PNG).</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), $"{path} is not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    private static List<JsonElement> Records(string directory) =>
        File.ReadAllLines(Path.Combine(directory, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();

    private static Task<CliProcess> TrainAsync(string logDir, params string[] extra) => CliProcess.RunAsync(Timeout,
        ["train", "--hidden", "16", "--epochs", "2", "--builtin-train-tokens", "6000", "--builtin-valid-tokens", "1000", "--batch", "4", "--bptt", "10",
            "--json", "--log-dir", logDir, .. extra]);

    [Fact]
    public async Task Train_with_log_dir_records_every_step_and_epoch_and_draws_the_plots()
    {
        using var directory = new TempDirectory();
        var logDir = directory.File("run");

        using var train = await TrainAsync(logDir);

        Assert.True(train.ExitCode == 0, train.Describe());
        var summary = Assert.Single(train.EventsNamed("summary"));
        var records = Records(logDir);
        Assert.Equal("start", records[0].GetProperty("kind").GetString());
        Assert.Equal("lstm 2x16", records[0].GetProperty("label").GetString());
        Assert.True(records[0].GetProperty("optimal_ppl").GetDouble() > 1);
        var steps = records.Where(r => r.GetProperty("kind").GetString() == "step").ToList();
        Assert.Equal(summary.GetProperty("steps").GetInt64(), steps.Count);
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(i => (long)i), steps.Select(s => s.GetProperty("step").GetInt64()));
        var epochs = records.Where(r => r.GetProperty("kind").GetString() == "epoch").ToList();
        Assert.Equal([1, 2], epochs.Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.Equal(summary.GetProperty("valid_ppl").GetDouble(), epochs[^1].GetProperty("valid_ppl").GetDouble(), 3);
        Assert.Equal("completed", records[^1].GetProperty("outcome").GetString());
        Assert.Equal((900, 540), PngSize(Path.Combine(logDir, "perplexity.png")));
        Assert.Equal((900, 540), PngSize(Path.Combine(logDir, "throughput.png")));
        Assert.Empty(Directory.GetFiles(logDir, ".tmp-*"));
    }

    [Fact]
    public async Task Train_in_a_used_log_dir_moves_the_earlier_log_aside_even_one_cut_by_a_crash()
    {
        using var directory = new TempDirectory();
        var logDir = directory.File("run");
        Directory.CreateDirectory(logDir);
        await File.WriteAllTextAsync(Path.Combine(logDir, "metrics.jsonl"), "{\"kind\":\"start\",\"time\":1}\n{\"kind\":\"step\",\"time\":2,\"ste");

        using var train = await TrainAsync(logDir, "--max-steps", "3");

        Assert.True(train.ExitCode == 0, train.Describe());
        Assert.Single(Directory.GetFiles(logDir, "metrics.*.jsonl"));
        var records = Records(logDir);
        Assert.Equal("start", records[0].GetProperty("kind").GetString());
        Assert.Equal(3, records.Count(r => r.GetProperty("kind").GetString() == "step"));
        Assert.DoesNotContain("warning", train.Errors, StringComparison.Ordinal);
    }

    /// <summary>A completed cluster job's log: every step with its time split, each epoch, the end, and the three plots.</summary>
    internal static void AssertClusterLog(string jobDirectory, JsonElement summary)
    {
        var records = Records(jobDirectory);
        Assert.Equal("start", records[0].GetProperty("kind").GetString());
        var steps = records.Where(r => r.GetProperty("kind").GetString() == "step").ToList();
        Assert.Equal(summary.GetProperty("steps").GetInt64(), steps.Count);
        Assert.All(steps, s =>
        {
            Assert.True(s.GetProperty("compute_ms").GetDouble() >= 0);
            Assert.True(s.GetProperty("communication_ms").GetDouble() >= 0);
            Assert.True(s.GetProperty("mb_sent").GetDouble() > 0);
            Assert.Equal(summary.GetProperty("workers").GetInt32(), s.GetProperty("workers").GetInt32());
        });
        var epoch = records.Last(r => r.GetProperty("kind").GetString() == "epoch");
        Assert.Equal(summary.GetProperty("valid_ppl").GetDouble(), epoch.GetProperty("valid_ppl").GetDouble(), 3);
        Assert.Equal("completed", records[^1].GetProperty("outcome").GetString());
        foreach (var plot in new[] { "perplexity.png", "throughput.png", "step-time.png" })
        {
            Assert.Equal((900, 540), PngSize(Path.Combine(jobDirectory, plot)));
        }
    }

    [Fact]
    public async Task A_new_cluster_reusing_a_job_id_moves_the_earlier_log_aside()
    {
        using var directory = new TempDirectory();
        var runs = directory.File("runs");
        for (var run = 0; run < 2; run++)
        {
            using var local = await CliProcess.RunAsync(Timeout, SmallJob.With("local", "--workers", "1", "--max-steps", "5", "--json", "--log-dir", runs));
            Assert.True(local.ExitCode == 0, local.Describe());
        }

        var aside = Assert.Single(Directory.GetDirectories(runs), d => Path.GetFileName(d) != "job-1");
        Assert.Matches(@"job-1\.\d{8}-\d{6}$", aside);
        Assert.Equal(5, Records(aside).Count(r => r.GetProperty("kind").GetString() == "step"));
        Assert.Equal(5, Records(Path.Combine(runs, "job-1")).Count(r => r.GetProperty("kind").GetString() == "step"));
    }

    [Fact]
    public async Task A_cluster_without_logs_or_dashboard_writes_nothing_and_serves_nothing()
    {
        using var directory = new TempDirectory();
        using var local = CliProcess.Start(directory.Path, SmallJob.With("local", "--workers", "1", "--max-steps", "3", "--json", "--log-dir", "none", "--http-port", "-1"));
        Assert.True(await local.WaitForExitAsync(Timeout) == 0, local.Describe());

        var coordinator = Assert.Single(local.EventsNamed("node"), n => n.GetProperty("role").GetString() == "coordinator");
        Assert.False(coordinator.TryGetProperty("dashboard", out _));
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task Plot_overlays_runs_and_refuses_bad_input_in_one_line()
    {
        using var directory = new TempDirectory();
        var lstm = directory.File("lstm");
        var gru = directory.File("gru");
        using (var first = await TrainAsync(lstm))
        {
            Assert.True(first.ExitCode == 0, first.Describe());
        }

        using (var second = await TrainAsync(gru, "--model", "gru"))
        {
            Assert.True(second.ExitCode == 0, second.Describe());
        }

        var output = directory.File("both.png");
        using var plot = await CliProcess.RunAsync(Timeout, "plot", lstm, Path.Combine(gru, "metrics.jsonl"), "--out", output, "--metric", "valid");
        Assert.True(plot.ExitCode == 0, plot.Describe());
        Assert.Equal((900, 540), PngSize(output));

        var damaged = directory.File("damaged");
        Directory.CreateDirectory(damaged);
        var lines = File.ReadAllLines(Path.Combine(lstm, "metrics.jsonl"));
        lines[2] = "{\"kind\": \"step\", \"step\": ";
        File.WriteAllLines(Path.Combine(damaged, "metrics.jsonl"), lines);
        (string[] Args, string Expected)[] cases =
        [
            (["plot", directory.File("missing"), "--out", output], "no metrics log at"),
            (["plot", lstm, "--out", directory.File("plot.txt")], "name it *.png"),
            (["plot", lstm, gru, "--out", output, "--label", "only-one"], "1 label(s) for 2 run(s)"),
            (["plot", lstm, "--out", output, "--metric", "loss"], "--metric 'loss'"),
            (["plot", lstm, "--out", lstm], "--out"),
            (["train", "--log-dir", Path.Combine(lstm, "metrics.jsonl"), "--max-steps", "1"], "--log-dir"),
            (["local", "--log-dir", "", "--max-steps", "1"], "--log-dir: the path is empty"),
        ];
        using (var partly = await CliProcess.RunAsync(Timeout, "plot", damaged, "--out", output))
        {
            Assert.True(partly.ExitCode == 0, partly.Describe());
            Assert.Contains("skipped 1 line(s) that are no metrics record (line 3)", partly.Errors, StringComparison.Ordinal);
        }

        foreach (var (args, expected) in cases)
        {
            using var bad = await CliProcess.RunAsync(Timeout, args);
            Assert.True(bad.ExitCode != 0, $"{string.Join(' ', args)}: exit 0");
            var line = Assert.Single(bad.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
    }
}
