using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Actors;

/// <summary>A language model's text (<c>--task lm</c>): B streams cut from the training tokens, BPTT windows over them.</summary>
internal sealed class LanguageModelData(TextDataset text) : JobData
{
    private string[]? _words;

    public TextDataset Text { get; } = text;

    public override string Task => "lm";

    public override CheckpointData Recorded(JobDefinition job) => CheckpointData.Of(job, Text);

    public override string Describe() => $"{Text.Train.Length} training tokens, vocabulary {Text.Vocabulary.Count}";

    public override ModelSpec Spec(JobDefinition job)
    {
        var spec = job.ToModelSpec(Text.Vocabulary);
        spec.Validate();
        LanguageModel.CheckSize(spec, job.Training.Batch, job.Training.Bptt);
        LanguageModel.CheckSize(spec, job.Training.EvalBatch, job.Training.Bptt, "--eval-batch");
        return spec;
    }

    public override string[]? SpelledWords(ModelSpec spec) => spec.IsCharacterAware ? _words ??= [.. Text.Vocabulary.Tokens] : null;

    public override BatchStreams Streams(TrainingOptions options) => new(Text.Train, options.Batch);

    public override int Windows(TrainingOptions options) => Streams(options).WindowCount(options.Bptt);

    public override long TokensInWindows(int epoch, int windows, TrainingOptions options) => Streams(options).TokensInWindows(windows, options.Bptt);

    public override (double Measure, Protocol.SplitScores? Scores) Validate(JobDefinition job, ModelSpec spec, float[] weights) => (Evaluator.ValidPerplexity(spec, weights, Text, job.Training), null);

    public override FinalEvaluation Finish(JobDefinition job, ModelSpec spec, float[] weights, IReadOnlyDictionary<string, float[]> optimizerState,
        long steps, object metadata)
    {
        var test = Evaluator.TestPerplexity(spec, weights, Text, job.Training);
        var outPath = job.Out is { } path ? ModelFile.Save(path, spec, Text, weights, optimizerState, metadata) : null;
        return new FinalEvaluation(test, outPath);
    }
}
