namespace RnnCluster.Core.Text;

/// <summary>Turns corpus files or strings into a <see cref="TextDataset"/>.</summary>
public static class TextDatasetLoader
{
    /// <summary>
    /// Loads a corpus. <paramref name="trainPath"/> may be a file or a corpus directory
    /// (see <see cref="CorpusFiles.Discover"/>); explicit valid and test paths win over discovered
    /// ones. Without a validation file the last 10% of the training tokens validate.
    /// </summary>
    public static TextDataset Load(
        string trainPath,
        string? validPath,
        string? testPath,
        TokenizerKind kind,
        int maxVocab = 0,
        int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(trainPath);
        if (Directory.Exists(trainPath))
        {
            var found = CorpusFiles.Discover(trainPath);
            trainPath = found.Train;
            validPath ??= found.Valid;
            testPath ??= found.Test;
        }

        var trainText = CorpusReader.ReadText(trainPath);
        var validText = validPath is null ? null : CorpusReader.ReadText(validPath, "validation file");
        var testText = testPath is null ? null : CorpusReader.ReadText(testPath, "test file");
        return FromText(trainText, validText, testText, kind, maxVocab, minCount, trainPath, validPath, testPath);
    }

    /// <summary>
    /// Builds a dataset from text. The vocabulary comes from the training text only — all of it, also
    /// when its last 10% becomes the validation split because <paramref name="validText"/> is null.
    /// </summary>
    public static TextDataset FromText(
        string trainText,
        string? validText,
        string? testText,
        TokenizerKind kind,
        int maxVocab = 0,
        int minCount = 1,
        string trainName = "train") =>
        FromText(trainText, validText, testText, kind, maxVocab, minCount, trainName, "valid", "test");

    /// <summary>Token ids of <paramref name="text"/>; tokens outside the vocabulary become <c>&lt;unk&gt;</c>.</summary>
    /// <exception cref="ArgumentException">A token is unknown and the vocabulary has no <c>&lt;unk&gt;</c>.</exception>
    public static int[] Encode(string text, ITokenizer tokenizer, Vocabulary vocab)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(vocab);
        var tokens = new List<string>();
        tokenizer.Tokenize(text, tokens);
        return Encode(tokens, vocab);
    }

    /// <summary>
    /// Checks that <paramref name="ids"/> fill <paramref name="batch"/> streams with at least one whole
    /// window of <paramref name="bptt"/> steps (bptt inputs and their next-token targets).
    /// </summary>
    public static void RequireTokens(int[] ids, int batch, int bptt, string what)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bptt, 1);
        var needed = (long)batch * (bptt + 1L);
        if (ids.Length < needed)
        {
            throw new CorpusException(
                $"{what} corpus has {ids.Length} tokens; batch {batch} × (bptt {bptt} + 1) needs at least {needed} — " +
                "use a larger corpus or smaller --batch/--bptt");
        }
    }

    private static TextDataset FromText(
        string trainText,
        string? validText,
        string? testText,
        TokenizerKind kind,
        int maxVocab,
        int minCount,
        string trainName,
        string? validName,
        string? testName)
    {
        ArgumentNullException.ThrowIfNull(trainText);
        var tokenizer = Tokenizers.Create(kind);
        var trainTokens = Tokenize(trainText, tokenizer, trainName);
        var vocab = Vocabulary.Build(trainTokens, kind, maxVocab, minCount);
        var trainIds = Encode(trainTokens, vocab);

        int[] validIds;
        if (validText is null)
        {
            var trainCount = (int)(trainIds.Length * 9L / 10);
            validIds = trainIds[trainCount..];
            trainIds = trainIds[..trainCount];
        }
        else
        {
            validIds = EncodeSplit(validText, tokenizer, vocab, validName ?? "valid");
        }

        var testIds = testText is null ? null : EncodeSplit(testText, tokenizer, vocab, testName ?? "test");
        return new TextDataset(vocab, kind, trainIds, validIds, testIds);
    }

    private static List<string> Tokenize(string text, ITokenizer tokenizer, string name)
    {
        var tokens = new List<string>(text.Length / 4);
        tokenizer.Tokenize(text, tokens);
        if (tokens.Count == 0 || string.IsNullOrWhiteSpace(text))
        {
            throw new CorpusException($"corpus '{name}' is empty — give text with at least a few words");
        }

        return tokens;
    }

    private static int[] EncodeSplit(string text, ITokenizer tokenizer, Vocabulary vocab, string name)
    {
        var tokens = Tokenize(text, tokenizer, name);
        if (vocab.UnknownId < 0)
        {
            foreach (var token in tokens)
            {
                if (!vocab.Contains(token))
                {
                    throw new CorpusException(
                        $"corpus '{name}' contains {CharacterQuote(token)}, which the training text " +
                        $"does not, and a character vocabulary has no {SpecialTokens.Unknown} — use a training text that " +
                        "contains every character of the validation and test texts");
                }
            }
        }

        return Encode(tokens, vocab);
    }

    /// <summary>The ids of already tokenized text: (T) ids, a token outside <paramref name="vocab"/> as &lt;unk&gt;.</summary>
    /// <exception cref="ArgumentException">A token is outside a vocabulary without &lt;unk&gt;.</exception>
    public static int[] Encode(IReadOnlyList<string> tokens, Vocabulary vocab)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(vocab);
        var ids = new int[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = vocab.IdOf(tokens[i]);
        }

        return ids;
    }

    /// <summary>A character as a message quotes it, with its code point (escaped when invisible).</summary>
    private static string CharacterQuote(string token)
    {
        var quoted = QuotedText.Quote(token);
        return quoted.Contains("(U+", StringComparison.Ordinal) ? quoted : $"{quoted} (U+{char.ConvertToUtf32(token, 0):X4})";
    }
}
