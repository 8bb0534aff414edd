using RnnCluster.Core.Text;

namespace RnnCluster.Core.Embeddings;

/// <summary>The text of a CBOW job: the vocabulary with its training counts, the training and the validation sentences.</summary>
public sealed record CbowDataset(Vocabulary Vocabulary, long[] Counts, SentenceCorpus Train, SentenceCorpus Valid, string Source)
{
    /// <summary>
    /// Loads <paramref name="corpus"/> (a text file, or a directory with train/valid files) with the
    /// vocabulary of its training file (words seen <paramref name="minCount"/> times). Validation is
    /// <paramref name="valid"/>, else the directory's valid file, else the training file's last 10% of
    /// lines (then the vocabulary and counts come from the other 90%).
    /// </summary>
    /// <exception cref="CorpusException">When a file is missing, unreadable or has no word of the vocabulary (the message names it).</exception>
    public static CbowDataset Load(string corpus, string? valid, int minCount)
    {
        var train = corpus;
        if (Directory.Exists(corpus))
        {
            var found = CorpusFiles.Discover(corpus);
            train = found.Train;
            valid ??= found.Valid;
        }

        var lines = SentenceCorpus.Lines(train);
        string[] validLines;
        var validName = valid;
        if (valid is not null)
        {
            validLines = SentenceCorpus.Lines(valid, "validation file");
        }
        else
        {
            // No validation file: the last 10% of the lines are held out (the vocabulary is the first 90%'s).
            var cut = lines.Length - (lines.Length / 10);
            if (cut >= lines.Length || lines[cut..].All(string.IsNullOrWhiteSpace))
            {
                throw new CorpusException($"corpus file '{train}' is too short to hold out its last 10% of lines for validation; give --valid");
            }

            validLines = lines[cut..];
            lines = lines[..cut];
            validName = $"{train} (its last 10% of lines)";
        }

        var (vocabulary, counts) = SentenceCorpus.BuildVocabulary(lines, train, minCount);
        var trainSentences = SentenceCorpus.Read(lines, train, vocabulary);
        var validSentences = SentenceCorpus.Read(validLines, validName!, vocabulary, "validation file");
        RequireContext(trainSentences, $"corpus file '{train}'");
        RequireContext(validSentences, $"validation file '{validName}'");
        return new CbowDataset(vocabulary, counts, trainSentences, validSentences, train);
    }

    /// <summary>A CBOW text needs a line with two words of the vocabulary: a word alone on its line has no context and is no centre.</summary>
    /// <exception cref="CorpusException">Naming <paramref name="what"/> when no line has two.</exception>
    private static void RequireContext(SentenceCorpus corpus, string what)
    {
        for (var s = 0; s < corpus.Sentences; s++)
        {
            if (corpus.SentenceStarts[s + 1] - corpus.SentenceStarts[s] >= 2)
            {
                return;
            }
        }

        throw new CorpusException($"{what}: no line holds two words of the vocabulary, so no word has a context word (CBOW reads one sentence a line; a word alone on its line is no centre)");
    }
}
