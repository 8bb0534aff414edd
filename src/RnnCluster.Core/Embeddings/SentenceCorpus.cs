using RnnCluster.Core.Text;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// Text for word embeddings, as word2vec reads it: one sentence a line, words split on white space,
/// every word outside the vocabulary left out (not mapped to <c>&lt;unk&gt;</c>; a corpus that holds
/// the literal word <c>&lt;unk&gt;</c>, as PTB does, keeps it as an ordinary word). A context window
/// never crosses a line end.
/// </summary>
/// <param name="Words">Word ids of every kept word, line after line (N words).</param>
/// <param name="SentenceStarts">Index into <paramref name="Words"/> of each sentence's first word, then N: sentence s is [starts[s], starts[s + 1]). Sentences left empty are dropped.</param>
public sealed record SentenceCorpus(int[] Words, int[] SentenceStarts)
{
    /// <summary>Sentences in the corpus.</summary>
    public int Sentences => SentenceStarts.Length - 1;

    /// <summary>
    /// The vocabulary of a training file, word2vec's way: every word seen at least
    /// <paramref name="minCount"/> times, ordered by descending count (ties in ordinal order), with
    /// each word's count (a kept word's training occurrences).
    /// </summary>
    /// <param name="lines">The training text's lines.</param>
    /// <param name="path">The file they come from, for messages.</param>
    /// <exception cref="CorpusException">When fewer than 2 words are seen <paramref name="minCount"/> times (names the file and --min-count).</exception>
    public static (Vocabulary Vocabulary, long[] Counts) BuildVocabulary(IEnumerable<string> lines, string path, int minCount)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            foreach (var word in Split(line))
            {
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        var kept = counts.Where(kv => kv.Value >= minCount)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        if (kept.Length < 2)
        {
            throw new CorpusException(counts.Count < 2
                ? $"corpus file '{path}' has {counts.Count} distinct word(s); word embeddings need at least 2"
                : $"corpus file '{path}': only {kept.Length} of its {counts.Count:N0} distinct words are seen --min-count {minCount} times; lower --min-count");
        }

        return (Vocabulary.FromTokens([.. kept.Select(kv => kv.Key)]), [.. kept.Select(kv => kv.Value)]);
    }

    /// <summary>The sentences of <paramref name="lines"/> (from file <paramref name="path"/>, a <paramref name="what"/>), keeping the words of <paramref name="vocabulary"/>.</summary>
    /// <exception cref="CorpusException">When none of its words is in the vocabulary.</exception>
    public static SentenceCorpus Read(IEnumerable<string> lines, string path, Vocabulary vocabulary, string what = "corpus file")
    {
        var words = new List<int>();
        var starts = new List<int>();
        foreach (var line in lines)
        {
            var start = words.Count;
            foreach (var word in Split(line))
            {
                if (vocabulary.TryGetId(word, out var id))
                {
                    words.Add(id);
                }
            }

            if (words.Count > start)
            {
                starts.Add(start);
            }
        }

        if (words.Count == 0)
        {
            throw new CorpusException($"{what} '{path}' has no word of the training vocabulary");
        }

        starts.Add(words.Count);
        return new SentenceCorpus([.. words], [.. starts]);
    }

    /// <summary>The lines of a text file (see <see cref="CorpusReader"/> for its checks and line ends).</summary>
    /// <exception cref="CorpusException">When the file is missing, unreadable, empty or not text.</exception>
    public static string[] Lines(string path, string what = "corpus file") => CorpusReader.ReadText(path, what).Split('\n');

    private static string[] Split(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
