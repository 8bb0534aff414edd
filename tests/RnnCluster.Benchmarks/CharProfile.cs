using System.Diagnostics;
using RnnCluster.Core.Models;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Text;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The character-aware model's step on PTB (Kim et al.'s small configuration: 2×300, batch 20, BPTT 35):
/// the whole forward + backward against the word encoder's own (convolutions and highway), medians in milliseconds.
/// </summary>
public static class CharProfile
{
    public static object Run(TextDataset data, int threads, int steps)
    {
        const int batch = 20, bptt = 35, rows = batch * bptt;
        Gemm.SetThreads(threads);
        var spec = new ModelSpec(CellType.CharLstm, data.Vocabulary.Count, 2, 300, Dropout: 0.5f).WithSpellings(data.Vocabulary.Tokens);
        var model = new LanguageModel(spec, batch, bptt);
        model.Initialize(1);
        var encoder = new CharacterWordEncoder(spec.Spellings!, model.Layout, rows);
        var features = new float[rows * CharacterWordEncoder.Features];
        var streams = new BatchStreams(data.Train, batch);
        var state = model.NewState(batch);
        var inputs = new int[rows];
        var targets = new int[rows];
        List<double> step = [], encoderForward = [], encoderBackward = [];
        for (var s = 0; s < steps; s++)
        {
            streams.FillWindow(s % streams.WindowCount(bptt), bptt, 0, batch, inputs, targets);
            var clock = Stopwatch.StartNew();
            model.ZeroGradients();
            model.Forward(inputs, targets, bptt, batch, state, new DropoutKey(1, s, 0));
            model.Backward(1f / batch);
            step.Add(clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            encoder.Forward(model.Weights, inputs, features);
            encoderForward.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            encoder.Backward(model.Weights, model.Gradients, features); // any (rows, D) gradient: only the cost is measured
            encoderBackward.Add(clock.Elapsed.TotalMilliseconds);
        }

        var warm = steps / 5;
        double Median(List<double> values) => Math.Round(StepProfile.Median(values.Skip(warm)), 1);
        return new
        {
            model = "char-lstm 2x300",
            parameters = model.Layout.Size,
            spelling_length = spec.Spellings!.Length,
            threads,
            steps,
            step_ms = Median(step),
            encoder_forward_ms = Median(encoderForward),
            encoder_backward_ms = Median(encoderBackward),
            tokens_per_second = Math.Round(rows / (Median(step) / 1000)),
        };
    }
}
