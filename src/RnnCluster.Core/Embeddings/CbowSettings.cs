namespace RnnCluster.Core.Embeddings;

/// <summary>
/// The CBOW objective's settings (<c>--task cbow</c>).
/// </summary>
/// <param name="Window">C, context words on each side of the centre word. As in word2vec, each centre
/// draws its window uniformly from 1..C (nearer words are seen more often); a window never crosses a
/// sentence (line) end, so a window larger than the sentence takes the whole sentence.</param>
/// <param name="Negatives">K, negative samples per centre word (the loss of Mikolov et al. 2013,
/// eq. 4); 0 selects the course's full softmax over the vocabulary.</param>
/// <param name="Subsample">t of the subsampling of frequent words (word2vec's rule: a word of
/// frequency f is kept with probability (√(f/t) + 1)·t/f); 0 keeps every word.</param>
public sealed record CbowSettings(int Window = 5, int Negatives = 5, double Subsample = 1e-3)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid flag.</summary>
    public void Validate()
    {
        if (Window is < 1 or > 100)
        {
            throw new ArgumentException($"--window {Window} must be between 1 and 100 (context words on each side)");
        }

        if (Negatives is < 0 or > 100)
        {
            throw new ArgumentException($"--negative {Negatives} must be between 0 (the full softmax) and 100");
        }

        if (!double.IsFinite(Subsample) || Subsample is < 0 or >= 1)
        {
            throw new ArgumentException($"--subsample {Subsample} must be in [0, 1) (0: keep every word; word2vec uses 1e-3 to 1e-5)");
        }
    }
}
