using System.Diagnostics;
using System.Globalization;
using RnnCluster.Core.Models;

namespace RnnCluster.Core.Training;

/// <summary>
/// The training loop of <c>train</c> and of the cluster: it owns the weights, the optimizer, the
/// cursor (epoch, window, step), the learning-rate schedule, clipping, the epoch, step-limit and
/// checkpoint rules, snapshot/restore and the progress reports. Its one seam is the gradient: the
/// synchronous <see cref="Run"/> takes it from an <see cref="IGradientSource"/>; the cluster's
/// parameter server, which gathers it from workers asynchronously, calls <see cref="Apply"/> with it
/// and <see cref="NextEpoch"/> itself, so both follow the same rules.
/// <para>
/// Semantics (Zaremba et al. 2014, "Recurrent neural network regularization"): B streams, truncated
/// BPTT over windows of bptt steps with the hidden state carried over, the loss differentiated is the
/// sum over time steps of the batch-mean cross-entropy (loss scale 1/B), the global gradient norm is
/// clipped to <see cref="TrainingOptions.Clip"/> and the learning rate is constant for DecayAfter
/// epochs, then multiplied by Decay each epoch.
/// </para>
/// </summary>
public sealed class TrainingLoop
{
    private readonly Stopwatch _trainClock = new();
    private readonly Stopwatch _epochClock = Stopwatch.StartNew();
    private double _trainSecondsBefore;
    private double _previousValid = double.NaN;

    /// <param name="windowsPerEpoch">Steps per epoch: ⌈(L − 1) / bptt⌉ for streams of L tokens.</param>
    /// <exception cref="ArgumentException">When the options are invalid (message names the flag).</exception>
    public TrainingLoop(ModelSpec spec, TrainingOptions options, int windowsPerEpoch)
    {
        options.Validate();
        Spec = spec;
        Options = options;
        Windows = windowsPerEpoch;
        Layout = ParameterLayout.For(spec);
        Weights = new float[Layout.Size];
        InitialWeights(spec, options.Seed, Weights);
        Optimizer = Optimizers.Create(options.Optimizer, Weights.Length, options.Momentum);
        Lr = options.Schedule.ForEpoch(Epoch);
    }

    public ModelSpec Spec { get; }

    public TrainingOptions Options { get; }

    public ParameterLayout Layout { get; }

    /// <summary>The model's weights, (layout size) floats: updated in place by <see cref="Apply"/>.</summary>
    public float[] Weights { get; }

    public IOptimizer Optimizer { get; }

    /// <summary>Windows (steps) per epoch.</summary>
    public int Windows { get; }

    /// <summary>The current epoch, 1-based.</summary>
    public int Epoch { get; private set; } = 1;

    /// <summary>Windows of the current epoch done; the next step trains window <see cref="Window"/>.</summary>
    public int Window { get; private set; }

    /// <summary>Steps done in all (keys the dropout masks).</summary>
    public long Step { get; private set; }

    /// <summary>The current epoch's learning rate.</summary>
    public float Lr { get; private set; }

    public double EpochLoss { get; private set; }

    public long EpochTokens { get; private set; }

    public long TotalTokens { get; private set; }

    /// <summary>Seconds spent in training steps (excluding evaluation), including those before a restore.</summary>
    public double TrainSeconds => _trainSecondsBefore + _trainClock.Elapsed.TotalSeconds;

    public double TokensPerSecond => TotalTokens / Math.Max(1e-9, TrainSeconds);

    /// <summary>The loss scale of every step: 1/B (Σ over time of the batch-mean cross-entropy).</summary>
    public float LossScale => 1f / Options.Batch;

    public double TrainPerplexity => EpochTokens == 0 ? double.NaN : Math.Exp(EpochLoss / EpochTokens);

    public bool EpochDone => Window >= Windows;

    public bool StepsExhausted => Options.MaxSteps > 0 && Step >= Options.MaxSteps;

    /// <summary>True after the last step of the run (the last epoch's last window, or the step limit).</summary>
    public bool Final => StepsExhausted || (EpochDone && Epoch >= Options.Epochs);

    /// <summary>
    /// Windows the next local-SGD round may take (Stich 2019): at most <paramref name="syncEvery"/>, and
    /// it ends at the epoch's end, the step limit and the next multiple of <paramref name="checkpointEvery"/>
    /// (0: none), so averaging points are where epochs end and checkpoints are taken.
    /// </summary>
    public int RoundWindows(int syncEvery, int checkpointEvery)
    {
        long windows = Math.Min(syncEvery, Windows - Window);
        if (Options.MaxSteps > 0)
        {
            windows = Math.Min(windows, Options.MaxSteps - Step);
        }

        if (checkpointEvery > 0)
        {
            windows = Math.Min(windows, checkpointEvery - (Step % checkpointEvery));
        }

        return (int)Math.Max(1, windows);
    }

    /// <summary>After a step: a checkpoint is due every <paramref name="every"/> steps (0: never), at each epoch end and at the end.</summary>
    public bool CheckpointDue(int every) => EpochDone || StepsExhausted || (every > 0 && Step % every == 0);

    /// <summary>Uniform ±init_scale from <paramref name="seed"/>, then the optional forget-gate bias (language models).</summary>
    public static void InitialWeights(ModelSpec spec, ulong seed, float[] weights)
    {
        if (spec.IsClassifier)
        {
            Classification.DocumentClassifiers.Initialize(spec, seed, weights);
            return;
        }

        if (spec.IsEmbedding)
        {
            Embeddings.CbowTrainer.Initialize(spec, seed, weights);
            return;
        }

        var model = new LanguageModel(spec, 1, 1, weights);
        model.Initialize(seed);
    }

    /// <summary>Starts (or resumes) the clock of training time.</summary>
    public void StartClock() => _trainClock.Start();

    public void StopClock() => _trainClock.Stop();

    /// <summary>
    /// Clips <paramref name="gradient"/> (layout size, the step's summed gradient; scaled in place) by
    /// global norm, applies the optimizer at the epoch's rate and advances the cursor by one window.
    /// <paramref name="support"/>, when given, is where the gradient may be non-zero (see <see cref="ParameterUpdate.Apply"/>).
    /// Returns the gradient norm before clipping.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the epoch is already done, or the loss or the norm is not finite (diverged).</exception>
    public double Apply(float[] gradient, StepGradient result, GradientSupport? support = null)
    {
        if (EpochDone)
        {
            throw new InvalidOperationException($"epoch {Epoch} has no window left: call NextEpoch first");
        }

        CheckLoss(result); // before the update: a diverged step changes no weight
        var norm = ParameterUpdate.Apply(Weights, gradient, Optimizer, Lr, Options.Clip, support);
        Move(result, 1);
        return norm;
    }

    /// <summary>As <see cref="Apply"/> with plain SGD, on a gradient held as rows (see <see cref="ParameterUpdate.ApplyRows"/>).</summary>
    /// <exception cref="InvalidOperationException">When the epoch is already done, or the loss or the norm is not finite (diverged).</exception>
    public double ApplyRows(GradientRows rows, StepGradient result)
    {
        if (EpochDone)
        {
            throw new InvalidOperationException($"epoch {Epoch} has no window left: call NextEpoch first");
        }

        CheckLoss(result);
        var norm = ParameterUpdate.ApplyRows(Weights, rows, Lr, Options.Clip);
        Move(result, 1);
        return norm;
    }

    /// <summary>
    /// A step whose training loss is not finite has diverged, whatever its gradient norm (the softmax's
    /// gradient stays bounded when its logits overflow); so has one whose perplexity overflows a double
    /// (a mean loss above ln(double.MaxValue) ≈ 709.8 nats per token, where a uniform guess over even
    /// 10⁹ words costs 20.7): its epoch would end with an infinite perplexity.
    /// </summary>
    /// <exception cref="InvalidOperationException">Naming the epoch and step: the loss is ∞ or NaN, or its perplexity overflows.</exception>
    private void CheckLoss(StepGradient result)
    {
        if (!double.IsFinite(result.LossSum))
        {
            throw new InvalidOperationException($"the training loss of epoch {Epoch}, step {Step + 1} is {result.LossSum}: training diverged (try a lower --lr or --clip)");
        }

        if (result.Tokens > 0 && !double.IsFinite(Math.Exp(result.LossSum / result.Tokens)))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"the training loss of epoch {Epoch}, step {Step + 1} is {result.LossSum / result.Tokens:F1} nats per token, a perplexity beyond 1.8e308: training diverged (try a lower --lr or --clip)"));
        }
    }

    /// <summary>
    /// Counts <paramref name="windows"/> steps whose updates were applied elsewhere (by the key ranges of
    /// a sharded parameter server, or by the workers of a local-SGD round, on this loop's <see cref="Lr"/>
    /// and clipping) and advances the cursor by as many windows; <paramref name="result"/> sums their
    /// losses and tokens. <see cref="Weights"/> is then stale until the caller copies the new weights in.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the epoch has fewer than <paramref name="windows"/> windows left, or the loss is not finite (diverged).</exception>
    public void Advance(StepGradient result, int windows = 1)
    {
        if (windows < 1 || Window + windows > Windows)
        {
            throw new InvalidOperationException($"epoch {Epoch} has {Windows - Window} windows left, not {windows}: call NextEpoch first");
        }

        CheckLoss(result);
        Move(result, windows);
    }

    /// <summary>The cursor and the epoch's sums: what <see cref="Advance"/> changes (see <see cref="Rewind"/>).</summary>
    public LoopPosition Position => new(Epoch, Window, Step, EpochLoss, EpochTokens, TotalTokens);

    /// <summary>
    /// Takes back the steps counted since <paramref name="position"/> (which this loop's
    /// <see cref="Position"/> gave within the current epoch): a sharded parameter server's step committed
    /// before every worker confirmed its new weights, and undone because a worker was lost meanwhile.
    /// The sums are restored as they were, not subtracted, so they keep their bits.
    /// </summary>
    /// <exception cref="InvalidOperationException">When <paramref name="position"/> is of another epoch or ahead of the cursor.</exception>
    public void Rewind(LoopPosition position)
    {
        if (position.Epoch != Epoch || position.Step > Step || position.Window > Window)
        {
            throw new InvalidOperationException($"cannot rewind from epoch {Epoch} step {Step} to epoch {position.Epoch} step {position.Step}");
        }

        (Window, Step, EpochLoss, EpochTokens, TotalTokens) = (position.Window, position.Step, position.EpochLoss, position.EpochTokens, position.TotalTokens);
    }

    private void Move(StepGradient result, int windows)
    {
        Step += windows;
        Window += windows;
        EpochLoss += result.LossSum;
        EpochTokens += result.Tokens;
        TotalTokens += result.Tokens;
    }

    /// <summary>
    /// Starts the next epoch: its learning rate, window 0, zero sums (the caller resets the hidden
    /// state). <paramref name="validPerplexity"/> is the ended epoch's, needed when the schedule
    /// follows validation (<see cref="TrainingOptions.DecayOnPlateau"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The schedule follows validation and no perplexity is given.</exception>
    public void NextEpoch(double? validPerplexity = null)
    {
        var schedule = Options.Schedule;
        if (schedule.FollowsValidation && validPerplexity is null)
        {
            throw new InvalidOperationException("--decay-on-plateau needs each epoch's validation perplexity before the next epoch starts");
        }

        Epoch++;
        Window = 0;
        EpochLoss = 0;
        EpochTokens = 0;
        Lr = schedule.Next(Epoch, Lr, _previousValid, validPerplexity ?? double.NaN);
        _previousValid = validPerplexity ?? double.NaN;
        _epochClock.Restart();
    }

    /// <summary>The report after a step, <paramref name="workers"/> having computed it (1 in one process).</summary>
    public ProgressReport Progress(int workers)
        => new(Epoch, Step, Window, Windows, TrainPerplexity, TokensPerSecond, workers, Lr, TotalTokens, TrainSeconds);

    /// <summary>
    /// The report of the epoch whose last window is done, with <paramref name="validPerplexity"/>
    /// (NaN when validation has not run yet: the cluster validates beside training and fills it in).
    /// Its seconds run from the epoch's start (or the restore) to this call.
    /// </summary>
    public EpochReport EpochEnded(double validPerplexity)
        => new(Epoch, TrainPerplexity, validPerplexity, EpochTokens, Lr, _epochClock.Elapsed.TotalSeconds);

    /// <summary>Copies the state as of the last completed step (call between steps); <paramref name="state"/> holds every stream's hidden state.</summary>
    public TrainingSnapshot Snapshot(ModelState state) => new(
        Epoch,
        Window,
        Step,
        EpochLoss,
        EpochTokens,
        TotalTokens,
        TrainSeconds,
        (float[])Weights.Clone(),
        Optimizer.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone(), StringComparer.Ordinal),
        [.. state.H.Select(h => (float[])h.Clone())],
        [.. state.C.Select(c => (float[])c.Clone())],
        Lr,
        _previousValid);

    /// <summary>Continues from <paramref name="s"/>: weights, optimizer, cursor, sums; the streams' state goes into <paramref name="state"/>.</summary>
    /// <exception cref="ArgumentException">When the snapshot does not fit the model or the batch.</exception>
    public void Restore(TrainingSnapshot s, ModelState state)
    {
        if (s.Weights.Length != Weights.Length || s.StateH.Length != state.H.Length || s.StateC.Length != state.C.Length)
        {
            throw new ArgumentException($"the checkpoint does not fit the model ({s.Weights.Length} weights, expected {Weights.Length})");
        }

        for (var l = 0; l < state.H.Length; l++)
        {
            if (s.StateH[l].Length != state.H[l].Length || s.StateC[l].Length != state.C[l].Length)
            {
                throw new ArgumentException("the checkpoint has a hidden state of another batch or size");
            }
        }

        s.Weights.CopyTo(Weights, 0);
        Optimizers.Restore(Optimizer, s.OptimizerState);
        for (var l = 0; l < state.H.Length; l++)
        {
            s.StateH[l].CopyTo(state.H[l], 0);
            s.StateC[l].CopyTo(state.C[l], 0);
        }

        Epoch = s.Epoch;
        Window = s.Window;
        Step = s.Step;
        EpochLoss = s.EpochLoss;
        EpochTokens = s.EpochTokens;
        TotalTokens = s.TotalTokens;
        _trainSecondsBefore = s.TrainSeconds;
        Lr = s.LearningRate > 0 ? s.LearningRate : Options.Schedule.ForEpoch(Epoch);
        _previousValid = s.PreviousValid;
        _epochClock.Restart();
    }

    /// <summary>
    /// Continues a run from <paramref name="s"/> (a <see cref="Snapshot"/> of a run of the same job):
    /// <see cref="Restore"/>, and when the snapshot ended an epoch, the next epoch as the run would have
    /// started it, with <paramref name="endedEpochValid"/> (that epoch's validation perplexity) for
    /// <c>--decay-on-plateau</c>. Returns true when it started the next epoch: the caller then resets
    /// its streams' state, as <see cref="Run"/> does at an epoch's start.
    /// </summary>
    /// <exception cref="ArgumentException">When the snapshot does not fit the model or the batch, or it is the end of the run.</exception>
    public bool Resume(TrainingSnapshot s, ModelState state, double? endedEpochValid)
    {
        Restore(s, state);
        if (Final)
        {
            throw new ArgumentException($"the checkpoint is the end of its run (epoch {Epoch} of {Options.Epochs}, step {Step}): there is nothing left to train");
        }

        if (!EpochDone)
        {
            return false;
        }

        NextEpoch(endedEpochValid);
        return true;
    }

    /// <summary>
    /// Runs to the end in this thread: each step computes the gradient with <paramref name="source"/>
    /// and applies it; each epoch ends with <paramref name="validate"/> (validation perplexity) and an
    /// <see cref="EpochReport"/>. Returns the summary (test perplexity left null for the caller).
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is signalled (between steps).</exception>
    public TrainingSummary Run(IGradientSource source, Func<double> validate, ITrainingObserver? observer, CancellationToken cancel)
    {
        if (source.WindowCount != Windows)
        {
            throw new ArgumentException($"the gradient source has {source.WindowCount} windows per epoch, the loop {Windows}");
        }

        var wall = Stopwatch.StartNew();
        double validPpl = double.NaN, trainPpl = double.NaN;
        var epochsDone = 0;
        while (true)
        {
            while (!EpochDone && !StepsExhausted)
            {
                cancel.ThrowIfCancellationRequested();
                _trainClock.Start();
                var result = source.Compute(Window, Step, Options.Seed, LossScale);
                if (source is IRowGradientSource rowSource && Optimizer is SgdOptimizer)
                {
                    ApplyRows(rowSource.Rows, result);
                }
                else
                {
                    Apply(source.Gradient, result, source.Support);
                }

                _trainClock.Stop();
                observer?.OnProgress(Progress(1));
            }

            trainPpl = TrainPerplexity;
            validPpl = validate();
            epochsDone = Epoch;
            observer?.OnEpoch(EpochEnded(validPpl));
            if (Final)
            {
                break;
            }

            NextEpoch(validPpl);
            source.ResetState();
        }

        return new TrainingSummary(TokensPerSecond, trainPpl, validPpl, null, Step, epochsDone, wall.Elapsed.TotalSeconds,
            TrainSeconds, TotalTokens, 1, WeightsDigest.Sha256(Weights));
    }
}

/// <summary>
/// A run's training state at a step boundary (copies, owned by the snapshot): the cursor
/// (<see cref="Window"/> windows of <see cref="Epoch"/> done, <see cref="Step"/> steps in all), the
/// epoch's loss and token sums, weights, optimizer state and every stream's hidden state per layer
/// (each (B, H) row-major), and the schedule's state: the epoch's <see cref="LearningRate"/> (0: not
/// recorded, recomputed from the fixed schedule) and the previous epoch's validation perplexity that
/// <c>--decay-on-plateau</c> compares with (NaN: none).
/// </summary>
public sealed record TrainingSnapshot(
    int Epoch,
    int Window,
    long Step,
    double EpochLoss,
    long EpochTokens,
    long TotalTokens,
    double TrainSeconds,
    float[] Weights,
    IReadOnlyDictionary<string, float[]> OptimizerState,
    float[][] StateH,
    float[][] StateC,
    float LearningRate = 0f,
    double PreviousValid = double.NaN);
