using System.Text.Json;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class JobDefinitionTests
{
    private static readonly JobDefinition Custom = new()
    {
        Corpus = "/data/ptb",
        Valid = "/data/ptb/valid.txt",
        Tokens = "char",
        MaxVocab = 5000,
        Model = new ModelSpec(CellType.Lstm, 0, 3, 64, Dropout: 0.5f, InitScale: 0.05f, ForgetBias: 1f),
        Training = new TrainingOptions
        {
            Batch = 16,
            Bptt = 35,
            LearningRate = 0.5f,
            Decay = 0.8f,
            DecayAfter = 6,
            DecayOnPlateau = 1.5,
            Clip = 2.5f,
            Epochs = 39,
            Seed = 12345678901234UL,
            MaxSteps = 1000,
            Optimizer = "adam",
            Threads = 2,
        },
        Mode = "local-sgd",
        SyncEvery = 7,
        WarmupSyncSteps = 11,
        Workers = 3,
        Out = "model.ckpt",
        KeepBest = true,
        CheckpointDir = "/tmp/ckpt",
        CheckpointEvery = 50,
    };

    [Fact]
    public void An_output_that_is_an_input_reached_through_a_link_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("rnncluster-job-").FullName;
        try
        {
            var corpus = Path.Combine(dir, "corpus.txt");
            File.WriteAllText(corpus, "a b c");
            var link = Path.Combine(dir, "link.txt");
            File.CreateSymbolicLink(link, corpus);
            var linkedDirectory = Path.Combine(dir, "linked");
            Directory.CreateSymbolicLink(linkedDirectory, dir);

            var e = Assert.Throws<ArgumentException>(() => new JobDefinition { Corpus = link, Out = corpus }.CheckOutputPaths());
            var viaDirectory = Assert.Throws<ArgumentException>(() => new JobDefinition { Corpus = Path.Combine(linkedDirectory, "corpus.txt"), Out = corpus }.CheckOutputPaths());
            var ontoLink = Assert.Throws<ArgumentException>(() => new JobDefinition { Corpus = corpus, Out = link }.CheckOutputPaths());

            Assert.Contains("is one of the job's input files", e.Message, StringComparison.Ordinal);
            Assert.Contains("is one of the job's input files", viaDirectory.Message, StringComparison.Ordinal);
            Assert.Contains("is one of the job's input files", ontoLink.Message, StringComparison.Ordinal);
            Assert.Equal("a b c", File.ReadAllText(corpus));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Json_round_trip_preserves_every_field()
    {
        var back = JobDefinition.FromJson(Custom.ToJson());

        Assert.Equal(Custom, back);
    }

    [Fact]
    public void Json_uses_snake_case_names_of_the_flags()
    {
        using var json = JsonDocument.Parse(Custom.ToJson());
        var root = json.RootElement;

        Assert.Equal(6, root.GetProperty("decay_after").GetInt32());
        Assert.Equal(0.05f, root.GetProperty("init_scale").GetSingle());
        Assert.Equal(1000, root.GetProperty("max_steps").GetInt64());
        Assert.Equal("/tmp/ckpt", root.GetProperty("checkpoint_dir").GetString());
        Assert.Equal(5000, root.GetProperty("max_vocab").GetInt32());
        Assert.Equal(1f, root.GetProperty("forget_bias").GetSingle());
        Assert.False(root.TryGetProperty("DecayAfter", out _));
        Assert.False(root.TryGetProperty("decayAfter", out _));
    }

    [Fact]
    public void A_hand_written_job_file_reads_its_snake_case_fields_and_defaults_the_rest()
    {
        var job = JobDefinition.FromJson("""
            {"model": "rnn", "decay_after": 2, "init_scale": 0.2, "max_steps": 77, "checkpoint_dir": "ck", "hidden": 40}
            """);

        Assert.Equal(CellType.Rnn, job.Model.Cell);
        Assert.Equal((2, 0.2f, 77L, "ck", 40), (job.Training.DecayAfter, job.Model.InitScale, job.Training.MaxSteps, job.CheckpointDir, job.Model.Hidden));
        Assert.Equal(new TrainingOptions().Batch, job.Training.Batch);
        Assert.Equal(ModelSpec.Default.Layers, job.Model.Layers);
        Assert.Null(job.Corpus);
    }

    [Fact]
    public void An_unknown_field_is_rejected_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => JobDefinition.FromJson("""{"batch": 4, "learning_rate": 0.1}"""));

        Assert.Contains("learning_rate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_job_file_names_every_flag_once_and_no_vocabulary_size()
    {
        using var json = JsonDocument.Parse(new JobDefinition().ToJson());
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Contains("model", names);
        Assert.Contains("lr", names);
        Assert.DoesNotContain("vocab_size", names);
        Assert.DoesNotContain("parameter_count", names);
        Assert.DoesNotContain("schedule", names);
        Assert.Equal("lstm", json.RootElement.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("""{"model": "transformer"}""", "model")]
    [InlineData("""{"model": 3}""", "model")]
    [InlineData("""{"vocab_size": 10}""", "vocab_size")]
    [InlineData("""{"batch": "many"}""", "\"batch\": \"many\" is not a whole number")]
    [InlineData("""{"batch": 1.5}""", "\"batch\": 1.5 is not a whole number")]
    [InlineData("""{"seed": -1}""", "\"seed\": -1 is not a whole number from 0 to")]
    [InlineData("""{"max_steps": 1e20}""", "\"max_steps\": 1e20 is not a whole number up to 9223372036854775807")]
    [InlineData("""{"lr": 0.5, "lr": 1}""", "field \"lr\" appears twice")]
    [InlineData("", "job file is empty")]
    [InlineData("""{"lr": 0.5,}""", "not valid JSON: error at line 1")]
    [InlineData("""{"deterministic": 3}""", "\"deterministic\": 3 is not true or false")]
    [InlineData("""{"corpus": 5}""", "\"corpus\": 5 is not a string")]
    [InlineData("""{"lr": "fast"}""", "\"lr\": \"fast\" is not a number")]
    [InlineData("""{"lr": 1e-300}""", "\"lr\": 1e-300 is too small for a 32-bit float (it would be 0")]
    [InlineData("""{"clip": -1e300}""", "\"clip\": -1e300 is too large for a 32-bit float (it would be infinite")]
    [InlineData("""[1, 2]""", "object")]
    public void A_bad_job_file_field_is_rejected_naming_it(string json, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => JobDefinition.FromJson(json));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_number_written_with_an_exponent_or_a_zero_fraction_is_read_as_one()
    {
        var job = JobDefinition.FromJson("""{"hidden": 1e3, "batch": 20.0, "max_steps": 2E2, "lr": 1e-3}""");

        Assert.Equal((1000, 20, 200L, 1e-3f), (job.Model.Hidden, job.Training.Batch, job.Training.MaxSteps, job.Training.LearningRate));
    }

    [Theory]
    [InlineData("""{"batch": "many"}""")]
    [InlineData("""{"batch": 4""")]
    [InlineData("null")]
    public void Malformed_job_files_are_rejected_with_argument_exception(string json)
        => Assert.Throws<ArgumentException>(() => JobDefinition.FromJson(json));

    [Fact]
    public void Maps_to_model_spec_and_training_options()
    {
        var spec = Custom.ToModelSpec(321);
        var options = Custom.Training;

        Assert.Equal(new ModelSpec(CellType.Lstm, 321, 3, 64, 0.5f, 0.05f, 1f), spec);
        Assert.Equal((16, 35, 0.5f, 0.8f, 6, 2.5f, 39), (options.Batch, options.Bptt, options.LearningRate, options.Decay, options.DecayAfter, options.Clip, options.Epochs));
        Assert.Equal((12345678901234UL, 1000L, "adam"), (options.Seed, options.MaxSteps, options.Optimizer));
    }

    [Fact]
    public void The_defaults_and_a_full_custom_job_are_valid()
    {
        new JobDefinition().Validate();
        Custom.WithTraining(t => t with { Optimizer = "sgd" }).Validate(); // local SGD is SGD-only
        (Custom with { Mode = "sync", SyncEvery = new JobDefinition().SyncEvery, WarmupSyncSteps = 0 }).Validate();
    }

    [Theory]
    [InlineData("batch 0", "--batch")]
    [InlineData("bptt -3", "--bptt")]
    [InlineData("lr -1", "--lr")]
    [InlineData("lr NaN", "--lr")]
    [InlineData("decay 1.5", "--decay")]
    [InlineData("clip -1", "--clip")]
    [InlineData("epochs 0", "--epochs")]
    [InlineData("mode foo", "--mode")]
    [InlineData("mode async", "--mode async needs --optimizer sgd")]
    [InlineData("max-staleness -1", "--max-staleness")]
    [InlineData("compress int8", "--compress")]
    [InlineData("sync-every in sync mode", "--sync-every 7 applies to --mode local-sgd only")]
    [InlineData("tokens foo", "--tokens")]
    [InlineData("dropout 1", "--dropout")]
    [InlineData("dropout -0.1", "--dropout")]
    [InlineData("max-vocab 1", "--max-vocab")]
    [InlineData("max-vocab -5", "--max-vocab")]
    [InlineData("layers 0", "--layers")]
    [InlineData("hidden 0", "--hidden")]
    [InlineData("init-scale 0", "--init-scale")]
    [InlineData("optimizer foo", "--optimizer")]
    [InlineData("max-steps -1", "--max-steps")]
    [InlineData("workers -1", "--workers")]
    [InlineData("forget-bias NaN", "--forget-bias")]
    public void Validate_rejects_a_bad_value_naming_the_flag(string badValue, string flag)
    {
        var job = Spoil(new JobDefinition(), badValue);

        var e = Assert.Throws<ArgumentException>(job.Validate);

        Assert.Contains(flag, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_vocab_zero_means_no_limit_and_two_is_the_smallest_limit()
    {
        new JobDefinition { MaxVocab = 0 }.Validate();
        new JobDefinition { MaxVocab = 2, Corpus = "corpus.txt" }.Validate();
    }

    [Fact]
    public void Vocabulary_limits_are_refused_for_the_built_in_corpus_whose_grammar_fixes_the_vocabulary()
    {
        Assert.Equal("--max-vocab 2 applies to a --corpus: the built-in corpus's grammar has a fixed vocabulary",
            Assert.Throws<ArgumentException>(() => new JobDefinition { MaxVocab = 2 }.Validate()).Message);
        Assert.Equal("--min-count 1000 applies to a --corpus: the built-in corpus's grammar has a fixed vocabulary",
            Assert.Throws<ArgumentException>(() => new JobDefinition { MinCount = 1000 }.Validate()).Message);
    }

    private static JobDefinition Spoil(JobDefinition j, string badValue) => badValue switch
    {
        "batch 0" => j.WithTraining(t => t with { Batch = 0 }),
        "bptt -3" => j.WithTraining(t => t with { Bptt = -3 }),
        "lr -1" => j.WithTraining(t => t with { LearningRate = -1 }),
        "lr NaN" => j.WithTraining(t => t with { LearningRate = float.NaN }),
        "decay 1.5" => j.WithTraining(t => t with { Decay = 1.5f }),
        "clip -1" => j.WithTraining(t => t with { Clip = -1 }),
        "epochs 0" => j.WithTraining(t => t with { Epochs = 0 }),
        "mode foo" => j with { Mode = "foo" },
        "mode async" => (j with { Mode = "async" }).WithTraining(t => t with { Optimizer = "adam" }),
        "max-staleness -1" => j with { Mode = "async", MaxStaleness = -1 },
        "compress int8" => j with { Compress = "int8" },
        "sync-every in sync mode" => j with { SyncEvery = 7 },
        "tokens foo" => j with { Tokens = "foo" },
        "dropout 1" => j.WithModel(m => m with { Dropout = 1 }),
        "dropout -0.1" => j.WithModel(m => m with { Dropout = -0.1f }),
        "max-vocab 1" => j with { MaxVocab = 1 },
        "max-vocab -5" => j with { MaxVocab = -5 },
        "layers 0" => j.WithModel(m => m with { Layers = 0 }),
        "hidden 0" => j.WithModel(m => m with { Hidden = 0 }),
        "init-scale 0" => j.WithModel(m => m with { InitScale = 0 }),
        "optimizer foo" => j.WithTraining(t => t with { Optimizer = "foo" }),
        "max-steps -1" => j.WithTraining(t => t with { MaxSteps = -1 }),
        "workers -1" => j with { Workers = -1 },
        "forget-bias NaN" => j.WithModel(m => m with { ForgetBias = float.NaN }),
        _ => throw new ArgumentOutOfRangeException(nameof(badValue), badValue, "no such case"),
    };

    [Fact]
    public void Keep_best_needs_an_output_file()
    {
        var e = Assert.Throws<ArgumentException>(() => new JobDefinition { KeepBest = true }.Validate());
        Assert.StartsWith("--keep-best needs --out", e.Message, StringComparison.Ordinal);
        new JobDefinition { KeepBest = true, Out = "m.rnnc" }.Validate();
    }

    [Theory]
    [InlineData(true, 0.0, "--keep-best true is supported by `train` only so far")]
    [InlineData(false, 1.0, "--decay-on-plateau 1 is supported by `train` only so far")]
    public void The_cluster_refuses_what_only_train_does(bool keepBest, double plateau, string expected)
    {
        var job = new JobDefinition { KeepBest = keepBest, Out = "m.rnnc" }.WithTraining(t => t with { DecayOnPlateau = plateau });
        job.Validate();

        var e = Assert.Throws<ArgumentException>(job.ValidateForCluster);
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_plateau_threshold_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new JobDefinition().WithTraining(t => t with { DecayOnPlateau = -1 }).Validate());
        Assert.StartsWith("--decay-on-plateau -1 must be between 0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto", "sgd", "sync", 10_000, true)]       // PTB small: 4.65M parameters
    [InlineData("auto", "sgd", "sync", 48, false)]          // the built-in corpus's model: far below a million
    [InlineData("auto", "momentum", "sync", 10_000, false)] // a key range holds no optimizer state
    [InlineData("auto", "sgd", "async", 10_000, false)]
    [InlineData("workers", "sgd", "sync", 48, true)]        // asked for: sharded whatever the size
    [InlineData("coordinator", "sgd", "sync", 10_000, false)]
    public void Auto_shards_the_parameter_server_for_sync_sgd_models_of_a_million_parameters_or_more(string placement, string optimizer, string mode, int vocab, bool sharded)
    {
        var job = new JobDefinition { PsPlacement = placement, Mode = mode }.WithTraining(t => t with { Optimizer = optimizer });

        Assert.Equal(sharded, job.ShardsParameterServer(job.ToModelSpec(vocab)));
    }
}
