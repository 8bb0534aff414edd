using System.Globalization;
using System.Text.Json;
using RnnCluster.Benchmarks;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Text;

// Run by hand from the repository root, e.g.
//   RNNCLUSTER_PTB=DIR RNNCLUSTER_TORCH_REFERENCE=FILE dotnet run -c Release --project tests/RnnCluster.Benchmarks -- speed lstm
// RNNCLUSTER_PTB is a directory with PTB's train/valid files; RNNCLUSTER_TORCH_REFERENCE the PyTorch
// reference script (speed only). Nothing is read from outside the repository unless given.
// Every benchmark prints one JSON object on standard output; progress goes to standard error.
var what = args.Length > 0 ? args[0] : "help";
string Arg(int i, string fallback) => args.Length > i ? args[i] : fallback;
int IntArg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
var repoRoot = Directory.GetCurrentDirectory();
var ptb = Environment.GetEnvironmentVariable("RNNCLUSTER_PTB") is { Length: > 0 } ptbDir
    ? Path.GetFullPath(ptbDir)
    : what is "gemm" or "transport" or "help" or "netns-fit" or "fortunes-split" or "classify" ? string.Empty : throw new ArgumentException("set RNNCLUSTER_PTB to a directory holding PTB's train and valid files");
Console.Error.WriteLine($"gemm: {Gemm.Describe()}");
object result = what switch
{
    "speed" => SpeedComparison.Run(repoRoot, ptb, Arg(1, "lstm"), IntArg(2, 300), IntArg(3, 3), IntArg(4, 2)),
    "char-profile" => CharProfile.Run(TextDatasetLoader.Load(ptb, null, null, TokenizerKind.Word), IntArg(1, 1), IntArg(2, 30)),
    "profile" => StepProfile.Run(TextDatasetLoader.Load(ptb, null, null, TokenizerKind.Word), CellTypes.Parse(Arg(1, "lstm")), IntArg(2, 2), 60),
    "groups" => GroupProfile.Run(TextDatasetLoader.Load(ptb, null, null, TokenizerKind.Word), CellTypes.Parse(Arg(1, "lstm")), IntArg(2, 2), IntArg(3, 0), Arg(4, "fast") == "deterministic", IntArg(5, 100)),
    "gemm" => GemmThroughput.Run(IntArg(1, 2)),
    "transport" => TransportThroughput.Run(),
    "load" => ClusterLoad.Run(repoRoot, ptb, IntArg(1, 60), IntArg(2, 20), IntArg(3, 4), IntArg(4, 10)).GetAwaiter().GetResult(),
    "soak" => ClusterSoak.Run(repoRoot, ptb, IntArg(1, 6), double.Parse(Arg(2, "3"), CultureInfo.InvariantCulture), IntArg(3, 3)).GetAwaiter().GetResult(),
    "tls-cost" => ClusterComparison.TlsCost(repoRoot, ptb, IntArg(1, 200), IntArg(2, 3), IntArg(3, 2)),
    "scaling" => ClusterComparison.Scaling(repoRoot, ptb, IntArg(1, 200), IntArg(2, 3), IntArg(3, 2)),
    "netns" => NamespaceScaling.Run(repoRoot, ptb, IntArg(1, 60), IntArg(2, 4),
        [.. Arg(3, "1,10").Split(',').Select(g => double.Parse(g, CultureInfo.InvariantCulture))], args.Length > 4 ? args[4] : null),
    "netns-modes" => NamespaceScaling.Modes(repoRoot, ptb, IntArg(1, 64), IntArg(2, 4), double.Parse(Arg(3, "1"), CultureInfo.InvariantCulture),
        [.. Arg(4, "sync,sharded,sync+bf16,sync+topk:0.01,async:2,local-sgd:4,local-sgd:16").Split(',')]),
    "netns-fit" => NamespaceScaling.Refit(Arg(1, "netns.json"), args.Length > 2 ? args[2] : null),
    "modes" => ModeComparison.Run(repoRoot, ptb, IntArg(1, 2), IntArg(2, 2), IntArg(3, 0), [.. Arg(4, "sync,local-sgd:4,local-sgd:16").Split(',')]),
    "dashboard-cost" => DashboardCost.Run(repoRoot, ptb, IntArg(1, 200), IntArg(2, 3)),
    "fortunes-split" => RnnCluster.Benchmarks.FortunesSplit.Run(Arg(1, "fortunes")),
    "classify" => RnnCluster.Benchmarks.ClassifierComparison.Run(repoRoot, Path.GetFullPath(Arg(1, "fortunes")), IntArg(2, 3), IntArg(3, 2)),
    "cbow-profile" => CbowProfile.Run(ptb, IntArg(1, 400), IntArg(2, 3)),
    "cbow" => EmbeddingComparison.Run(repoRoot, ptb, IntArg(1, 3), IntArg(2, 2)),
    "tasks-cluster" => TaskClusterComparison.Run(repoRoot, Path.GetFullPath(Arg(1, "fortunes")), ptb, IntArg(2, 5)),
    "determinism" => ClusterComparison.Determinism(repoRoot, ptb, IntArg(1, 60)),
    "equivalence" => ClusterComparison.Equivalence(repoRoot, ptb, IntArg(1, 60), string.Join(' ', args.Skip(2))),
    _ => "benchmarks: speed [cell] [steps] [rounds] [threads] | profile [cell] [threads] | groups [cell] [threads] [groups] [fast|deterministic] [steps] | gemm [threads] | scaling [steps] [rounds] [workers] | tls-cost [steps] [rounds] [workers] | load [seconds] [jobs] [pollers] [watchers] | soak [epochs] [kill every N minutes] [workers] | equivalence [steps] [extra job flags] | determinism [steps] | modes [workers] [epochs] [max steps, 0: all] [sync,local-sgd:4,…] | dashboard-cost [steps] [rounds] | fortunes-split [dir] | classify [fortunes dir] [fasttext rounds] [threads] | cbow [rounds] [threads] (PTB; installs fasttext and python3-gensim) | tasks-cluster [fortunes dir] [cbow epochs] (train against local --workers 2, --deterministic) | transport | netns [steps] [max workers] [Gbit/s,Gbit/s] [plot.svg] (root: namespaces, veth, tc tbf) | netns-fit [netns output .json] [plot.svg] | netns-modes [steps] [workers] [Gbit/s] [sync,sharded,sync+bf16,async:2,local-sgd:4,…] (root)",
};
Console.WriteLine(JsonSerializer.Serialize(new { benchmark = what, result }));
