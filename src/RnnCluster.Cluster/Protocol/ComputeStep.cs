using MessagePack;

namespace RnnCluster.Cluster.Protocol;

/// <summary>
/// Parameter server → worker: compute the gradient of window <see cref="Window"/> for the worker's
/// streams with the weights of version <see cref="WeightsVersion"/> (which arrive separately, as a
/// <see cref="WeightUpdate"/>, unless the worker has them already). <see cref="Shard"/> is set when the
/// worker's streams change (it then holds their token ids). <see cref="StateH"/>/<see cref="StateC"/>
/// are the streams' hidden state as of the last completed step (layer-major: layer, local stream, unit).
/// <see cref="Placement"/> is set (once per generation) when the parameter server is sharded over the
/// workers: the worker then sends its gradient to the key ranges' owners instead. <see cref="Local"/> is
/// set in <c>--mode local-sgd</c>: the step is a round of several windows the worker trains alone.
/// <see cref="Compression"/> is the job's <c>--compress</c> (see <see cref="Core.Training.WireCompression"/>):
/// what the worker's gradients become on the wire. <see cref="LearningRate"/> and <see cref="Clip"/> (the
/// global-norm threshold, 0: none) are the step's SGD update, which a sharded server's key ranges apply
/// themselves (see <see cref="RangeSquares"/>).
/// </summary>
[MessagePackObject(true)]
public sealed record ComputeStep(
    string JobId,
    int Generation,
    long Step,
    int Window,
    float LossScale,
    ulong Seed,
    int Bptt,
    ShardAssignment? Shard,
    long WeightsVersion,
    float[] StateH,
    float[] StateC,
    KeyRangePlacement? Placement = null,
    LocalRound? Local = null,
    string Compression = "none",
    float LearningRate = 0f,
    float Clip = 0f) : IClusterMessage;

/// <summary>
/// A local-SGD round (Stich 2019; Lin et al. 2020): the worker takes <see cref="Steps"/> SGD steps on
/// its own streams, windows <see cref="ComputeStep.Window"/> onwards, each on the gradient of its
/// streams' batch-mean loss clipped to global norm <see cref="Clip"/> (0: no clipping) at rate
/// <see cref="LearningRate"/>, and then returns its weights for averaging.
/// </summary>
[MessagePackObject(true)]
public sealed record LocalRound(int Steps, float LearningRate, float Clip);

/// <summary>
/// A worker's contiguous range of the B streams, with the model it trains and its token ids: one node
/// of the summation tree, made of stream groups of <see cref="GroupSizes"/> streams each (summed by the
/// worker along the tree). <see cref="Deterministic"/> asks for single-threaded GEMMs;
/// <see cref="TieWeights"/> is the model's <c>--tie-weights</c>. For a classify or cbow job
/// <see cref="Corpus"/> holds the whole training data and the "streams" are the worker's slots
/// [<see cref="FirstStream"/>, +<see cref="StreamCount"/>) of every window's B (then
/// <see cref="Tokens"/> is empty and <see cref="StreamLength"/> 0). <see cref="Words"/> is the
/// vocabulary in id order for the character-aware model (<c>--model char-lstm</c>), which spells its
/// words; null for the other models.
/// </summary>
[MessagePackObject(true)]
public sealed record ShardAssignment(
    string Cell,
    int VocabSize,
    int Layers,
    int Hidden,
    float Dropout,
    float InitScale,
    float ForgetBias,
    int FirstStream,
    int StreamCount,
    int StreamLength,
    int[] Tokens,
    int[] GroupSizes,
    bool Deterministic,
    bool TieWeights = false,
    TaskCorpus? Corpus = null,
    string[]? Words = null);

/// <summary>
/// The training data of a <c>--task classify</c> or <c>--task cbow</c> job, which every worker holds
/// whole: a window's B slots are documents drawn in a shuffled order, or B consecutive corpus
/// positions whose context windows reach beyond the slot. Classify: <see cref="Words"/> is every
/// training document's word ids one after another, document d being
/// [<see cref="Starts"/>[d], <see cref="Starts"/>[d + 1]), with class <see cref="Labels"/>[d] of
/// <see cref="Classes"/>, read up to <see cref="MaxWords"/> words (0: all). Cbow: <see cref="Words"/> is
/// the corpus's word ids, <see cref="Starts"/> its sentence starts then N, <see cref="Counts"/> each
/// word's training count (subsampling and the negative table), with <see cref="Window"/> C,
/// <see cref="Negative"/> K (0: full softmax) and <see cref="Subsample"/> t.
/// </summary>
[MessagePackObject(true)]
public sealed record TaskCorpus(
    string Task,
    int Batch,
    int[] Words,
    int[] Starts,
    int[] Labels,
    long[] Counts,
    int Classes = 0,
    int MaxWords = 0,
    int Window = 0,
    int Negative = 0,
    double Subsample = 0);
