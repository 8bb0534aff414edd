namespace RnnCluster.Core.NGram;

/// <summary>
/// Modified Kneser-Ney's three discounts of one order (Chen &amp; Goodman 1998, eq. 26): D1 for
/// n-grams counted once, D2 twice, D3 three times or more, estimated from the counts of counts
/// t1…t4 as Y = t1 / (t1 + 2·t2), D1 = 1 − 2Y·t2/t1, D2 = 2 − 3Y·t3/t2, D3 = 3 − 4Y·t4/t3.
/// </summary>
public sealed record KneserNeyDiscounts(double D1, double D2, double D3)
{
    /// <summary>The discount of an n-gram with (adjusted) count <paramref name="count"/> ≥ 1.</summary>
    public double For(long count) => count switch
    {
        1 => D1,
        2 => D2,
        _ => D3,
    };

    /// <summary>
    /// The estimate from counts of counts. Where it is undefined or leaves a discount outside
    /// [0, i] — a count of counts is zero, as on tiny corpora — every count gets original Kneser-Ney's
    /// single discount D = t1 / (t1 + 2·t2) (Ney et al. 1994), or 0.5 when that is undefined too.
    /// </summary>
    public static KneserNeyDiscounts Estimate(long t1, long t2, long t3, long t4)
    {
        if (t1 > 0 && t2 > 0 && t3 > 0 && t4 > 0)
        {
            var y = (double)t1 / (t1 + (2.0 * t2));
            var d1 = 1 - (2 * y * t2 / t1);
            var d2 = 2 - (3 * y * t3 / t2);
            var d3 = 3 - (4 * y * t4 / t3);
            if (d1 is >= 0 and <= 1 && d2 is >= 0 and <= 2 && d3 is >= 0 and <= 3)
            {
                return new KneserNeyDiscounts(d1, d2, d3);
            }
        }

        var d = t1 > 0 ? (double)t1 / (t1 + (2.0 * t2)) : 0.5;
        return new KneserNeyDiscounts(d, d, d);
    }
}
