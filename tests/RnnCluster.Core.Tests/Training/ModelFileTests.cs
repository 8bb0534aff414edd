using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Models;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class ModelFileTests
{
    private static TextDataset CharData() => TextDatasetLoader.FromText(
        "the quick brown fox jumps over the lazy dog.\nüber naïve café — done.\n",
        "the lazy fox.\n", null, TokenizerKind.Char);

    public static TheoryData<string> Kinds() => ["word", "char"];

    private static TextDataset Data(string kind) => kind == "char" ? CharData() : TrainingTestData.Small(600, 120);

    private static (ModelSpec Spec, LanguageModel Model) Trained(TextDataset data)
    {
        var spec = new ModelSpec(CellType.Lstm, data.Vocabulary.Count, 2, 8, Dropout: 0.2f, InitScale: 0.15f, ForgetBias: 1f);
        var trainer = new Trainer(spec, new TrainingOptions { Batch = 2, Bptt = 5, Epochs = 1, MaxSteps = 6, Optimizer = "momentum" }, data);
        trainer.Run();
        return (spec, new LanguageModel(spec, 1, 1, trainer.Weights));
    }

    [Fact]
    public void A_tied_model_is_saved_and_loaded_tied_and_an_untied_file_has_no_tie_field()
    {
        var data = Data("word");
        var tied = new ModelSpec(CellType.Gru, data.Vocabulary.Count, 1, 8) { TieWeights = true };
        var trainer = new Trainer(tied, new TrainingOptions { Batch = 2, Bptt = 5, Epochs = 1, MaxSteps = 4 }, data);
        trainer.Run();
        using var dir = new TempDirectory();
        var path = dir.File("tied.rnnc");

        ModelFile.Save(path, tied, data, trainer.Weights, new SgdOptimizer(), new { step = 4 });
        var loaded = ModelFile.Load(path);

        Assert.Equal(tied, loaded.Spec);
        Assert.True(loaded.Spec.TieWeights);
        Assert.Equal(trainer.Weights, loaded.Weights);
        Assert.Contains("\"tie_weights\":true", File.ReadAllText(path), StringComparison.Ordinal);
        var untied = dir.File("untied.rnnc");
        ModelFile.Save(untied, tied with { TieWeights = false }, data, new float[ParameterLayout.For(tied with { TieWeights = false }).Size], new SgdOptimizer(), new { step = 0 });
        Assert.DoesNotContain("tie_weights", File.ReadAllText(untied), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Save_then_load_restores_spec_vocabulary_tokenizer_and_bit_exact_weights(string kind)
    {
        var data = Data(kind);
        var (spec, model) = Trained(data);
        using var dir = new TempDirectory();
        var path = dir.File("model.ckpt");

        ModelFile.Save(path, spec, data, model.Weights, new SgdOptimizer(), new { epoch = 1, step = 6 });
        var loaded = ModelFile.Load(path);

        Assert.Equal(spec, loaded.Spec);
        Assert.Equal(data.Vocabulary.Tokens, loaded.Vocabulary.Tokens);
        Assert.Equal(data.Kind, loaded.Kind);
        Assert.True(TrainingTestData.BitIdentical(model.Weights, loaded.Weights),
            $"weights differ at {TrainingTestData.FirstBitDifference(model.Weights, loaded.Weights)}");
        Assert.NotSame(model.Weights, loaded.Weights);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_loaded_model_evaluates_to_the_same_perplexity_as_the_model_in_memory(string kind)
    {
        var data = Data(kind);
        var (spec, model) = Trained(data);
        using var dir = new TempDirectory();
        var path = dir.File("sub/dir/model.ckpt");

        ModelFile.Save(path, spec, data, model.Weights, new SgdOptimizer(), new { epoch = 1 });
        var loaded = ModelFile.Load(path);

        var inMemory = Evaluator.Run(spec, model.Weights, data.Valid, 1, 5);
        var fromFile = Evaluator.Run(loaded.Spec, loaded.Weights, data.Valid, 1, 5);
        Assert.Equal(inMemory.LossSum, fromFile.LossSum);
        Assert.Equal(inMemory.Perplexity, fromFile.Perplexity);
    }

    [Fact]
    public void Loaded_vocabulary_maps_the_same_tokens_to_the_same_ids()
    {
        var data = Data("word");
        var (spec, model) = Trained(data);
        using var dir = new TempDirectory();
        var path = dir.File("model.ckpt");

        ModelFile.Save(path, spec, data, model.Weights, new SgdOptimizer(), new { });
        var vocabulary = ModelFile.Load(path).Vocabulary;

        Assert.All(data.Vocabulary.Tokens, t => Assert.Equal(data.Vocabulary.IdOf(t), vocabulary.IdOf(t)));
        Assert.Equal(data.Vocabulary.UnknownId, vocabulary.UnknownId);
    }

    [Fact]
    public void Save_stores_the_optimizer_state_and_progress_in_the_checkpoint()
    {
        var data = Data("word");
        var (spec, model) = Trained(data);
        var optimizer = new MomentumOptimizer(model.Layout.Size);
        optimizer.Step((float[])model.Weights.Clone(), model.Weights, 0.1f);
        using var dir = new TempDirectory();
        var path = dir.File("model.ckpt");

        ModelFile.Save(path, spec, data, model.Weights, optimizer, new { epoch = 3, step = 42 });
        var checkpoint = CheckpointFile.Read(path);

        Assert.True(TrainingTestData.BitIdentical(optimizer.State["momentum"], checkpoint.OptimizerState["momentum"]));
        Assert.Contains("\"step\":42", checkpoint.ProgressJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_a_missing_file_names_the_path()
    {
        using var dir = new TempDirectory();
        var path = dir.File("nope.ckpt");

        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path));

        Assert.Contains("nope.ckpt", e.Message, StringComparison.Ordinal);
    }
}
