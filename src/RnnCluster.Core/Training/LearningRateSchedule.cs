using System.Globalization;

namespace RnnCluster.Core.Training;

/// <summary>
/// The learning rate per epoch (epochs are 1-based). Zaremba's fixed schedule: constant for
/// <c>decayAfter</c> epochs, then × decay per epoch. With <c>decayOnPlateau</c> &gt; 0 the rate is
/// instead multiplied by decay after each epoch whose validation perplexity improved on the
/// previous epoch's by less than that many points (Kim et al. 2016).
/// </summary>
public sealed record LearningRateSchedule(float Initial, float Decay, int DecayAfter, double DecayOnPlateau = 0)
{
    /// <summary>Whether the rate depends on validation results rather than on the epoch alone.</summary>
    public bool FollowsValidation => DecayOnPlateau > 0;

    /// <summary>The fixed schedule's rate for <paramref name="epoch"/> (the initial rate when following validation).</summary>
    public float ForEpoch(int epoch) => FollowsValidation || epoch <= DecayAfter
        ? Initial
        : Initial * MathF.Pow(Decay, epoch - DecayAfter);

    /// <summary>The schedule in words for a run of <paramref name="epochs"/>, as its start prints it: "lr 0.25, ×0.85 an epoch after epoch 5".</summary>
    public string Describe(int epochs)
    {
        static string Number(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
        var initial = $"lr {Number(Initial)}";
        return Decay == 1f ? $"{initial}, constant"
            : FollowsValidation ? $"{initial}, ×{Number(Decay)} after each epoch that improves validation perplexity by less than {Number(DecayOnPlateau)}"
            : DecayAfter >= epochs ? $"{initial}, constant (the decay would start after epoch {DecayAfter}, and the run has {epochs})"
            : DecayAfter == 0 ? $"lr {Number(ForEpoch(1))} in epoch 1 ({Number(Initial)} × {Number(Decay)}), then ×{Number(Decay)} an epoch"
            : $"{initial}, ×{Number(Decay)} an epoch after epoch {DecayAfter}";
    }

    /// <summary>
    /// The rate of the epoch after one trained at <paramref name="current"/>: the fixed schedule's for
    /// <paramref name="nextEpoch"/>, or, following validation, <paramref name="current"/> × decay when
    /// <paramref name="previousValid"/> − <paramref name="valid"/> &lt; the threshold (a NaN or infinite
    /// <paramref name="valid"/> counts as no improvement; without a previous epoch, NaN, it is kept).
    /// </summary>
    public float Next(int nextEpoch, float current, double previousValid, double valid)
    {
        if (!FollowsValidation)
        {
            return ForEpoch(nextEpoch);
        }

        var improved = previousValid - valid >= DecayOnPlateau;
        return double.IsNaN(previousValid) || improved ? current : current * Decay;
    }
}
