namespace RnnCluster.Core.Training;

/// <summary>Zaremba's schedule: constant for <c>decayAfter</c> epochs, then × decay per epoch (epochs are 1-based).</summary>
public sealed record LearningRateSchedule(float Initial, float Decay, int DecayAfter)
{
    public float ForEpoch(int epoch) => epoch <= DecayAfter
        ? Initial
        : Initial * MathF.Pow(Decay, epoch - DecayAfter);
}
