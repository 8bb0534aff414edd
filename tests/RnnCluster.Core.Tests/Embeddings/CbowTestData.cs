using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Tests.Embeddings;

/// <summary>
/// Synthetic text with two topics: each line holds 6–10 words of one topic's 10 words (a0…a9 or
/// b0…b9) mixed with the shared words "the" and "of". Words of a topic share their contexts, so
/// trained embeddings should put each topic's words together.
/// </summary>
internal static class CbowTestData
{
    public static string[] Lines(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var lines = new string[count];
        for (var i = 0; i < count; i++)
        {
            var topic = rng.NextInt(2) == 0 ? "a" : "b";
            var words = new List<string>();
            var length = 6 + rng.NextInt(5);
            for (var w = 0; w < length; w++)
            {
                var shared = rng.NextInt(4);
                words.Add(shared == 0 ? "the" : shared == 1 ? "of" : $"{topic}{rng.NextInt(10)}");
            }

            lines[i] = string.Join(' ', words);
        }

        return lines;
    }

    public static CbowDataset Dataset(int trainLines, int validLines, ulong seed = 1)
    {
        var train = Lines(trainLines, seed);
        var valid = Lines(validLines, seed + 100);
        var (vocabulary, counts) = SentenceCorpus.BuildVocabulary(train, "train.txt", 1);
        return new CbowDataset(vocabulary, counts, SentenceCorpus.Read(train, "train.txt", vocabulary), SentenceCorpus.Read(valid, "valid.txt", vocabulary), "train.txt");
    }
}
