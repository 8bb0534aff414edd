using System.Globalization;
using RnnCluster.Core.Text;

namespace RnnCluster.EndToEnd.Tests;

public sealed class LocalCommandTests
{
    [Fact]
    public async Task Local_with_two_workers_trains_as_train_does_writes_the_model_and_leaves_no_process_behind()
    {
        using var train = await CliProcess.RunAsync(SmallJob.RunTimeout, SmallJob.With("train", "--json"));
        Assert.True(train.ExitCode == 0, train.Describe());
        using var temp = new TempDirectory();
        var model = temp.File("model.rnnc");
        var nodePids = new List<int>();
        try
        {
            using var local = CliProcess.Start(SmallJob.With("local", "--workers", "2", "--mode", "sync", "--json", "--out", model, "--log-dir", temp.File("runs")));
            var exit = await local.WaitForExitAsync(SmallJob.RunTimeout);
            var nodes = local.EventsNamed("node").ToList();
            nodePids.AddRange(nodes.Select(n => n.GetProperty("pid").GetInt32()));
            Assert.True(exit == 0, local.Describe());

            Assert.Equal(["coordinator", "worker", "worker"], nodes.Select(n => n.GetProperty("role").GetString()).Order());
            Assert.All(nodes, n =>
            {
                Assert.InRange(n.GetProperty("pid").GetInt32(), 2, int.MaxValue);
                Assert.InRange(n.GetProperty("port").GetInt32(), 1, 65535);
            });
            Assert.Equal(3, nodePids.Distinct().Count());
            Assert.DoesNotContain(local.Pid, nodePids);

            var summary = Assert.Single(local.EventsNamed("summary"));
            Assert.Equal(2, summary.GetProperty("workers").GetInt32());
            Assert.InRange(SmallJob.Number(summary, "valid_ppl"), 1, BuiltInCorpus.UnigramPerplexity);

            // Sync training on two worker processes is single-process training.
            var single = SmallJob.Number(Assert.Single(train.EventsNamed("summary")), "valid_ppl");
            var cluster = SmallJob.Number(summary, "valid_ppl");
            Assert.True(Math.Abs(single - cluster) / single <= 1e-4, $"train valid_ppl {single} vs local --workers 2 valid_ppl {cluster}");
            Assert.True(File.Exists(model), $"no model at {model}. {local.Describe()}");
            MetricsLogTests.AssertClusterLog(temp.File("runs/job-1"), summary);

            Assert.Empty(await ProcessTable.WaitUntilGoneAsync(nodePids, TimeSpan.FromSeconds(20)));

            var text = temp.File("eval.txt");
            await File.WriteAllTextAsync(text, BuiltInCorpus.Generate(5_000, seed: 99));
            using var eval = await CliProcess.RunAsync(SmallJob.RunTimeout, "eval", model, text, "--json");
            Assert.True(eval.ExitCode == 0, eval.Describe());
            var ppl = double.Parse(System.Text.Json.JsonDocument.Parse(eval.Output).RootElement.GetProperty("ppl").GetRawText(), CultureInfo.InvariantCulture);
            Assert.InRange(ppl, 1, BuiltInCorpus.UnigramPerplexity);
        }
        finally
        {
            ProcessTable.KillAll(nodePids);
        }
    }
}
