namespace RnnCluster.Core.Training;

/// <summary>
/// Whether a number the user wrote fits the 32-bit floats the job's fields hold: <c>1e-300</c> would
/// silently become 0 and <c>1e300</c> infinity, and the check of the field would then quote a value the
/// user never gave.
/// </summary>
public static class FloatRange
{
    /// <summary>Why <paramref name="value"/> does not fit a 32-bit float ("is too small …"), or null when it does (0, ±∞ and NaN included: the field's own check judges those).</summary>
    public static string? Problem(double value) => value switch
    {
        _ when !double.IsFinite(value) || value == 0 => null,
        _ when Math.Abs(value) < float.Epsilon => $"is too small for a 32-bit float (it would be 0; the smallest positive one is 1.4e-45)",
        _ when Math.Abs(value) > float.MaxValue => $"is too large for a 32-bit float (it would be infinite; the largest is 3.4e38)",
        _ => null,
    };
}
