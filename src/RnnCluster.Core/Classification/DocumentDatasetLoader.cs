using RnnCluster.Core.Text;

namespace RnnCluster.Core.Classification;

/// <summary>
/// Builds a <see cref="DocumentDataset"/> from labelled files (see <see cref="LabeledTextReader"/>):
/// separate training, validation and test files, a corpus directory holding them, or one file cut by a
/// <see cref="DataSplit"/>. The vocabulary comes from the training documents (words beyond
/// <c>maxVocab</c> or seen fewer than <c>minCount</c> times read as <c>&lt;unk&gt;</c>, as do unseen
/// words of the other splits); the classes are the training labels in ordinal order.
/// </summary>
public static class DocumentDatasetLoader
{
    /// <param name="corpus">The training file, or a directory with train/valid/test files.</param>
    /// <param name="split">Cuts the training file when no validation file is given (null: <see cref="DataSplit.Default"/>).</param>
    /// <exception cref="CorpusException">Naming the file (and line): a malformed line, one class only, or a label the training documents never have.</exception>
    /// <exception cref="ArgumentException">When --split is given with a validation file.</exception>
    public static DocumentDataset Load(string corpus, string? valid, string? test, DataSplit? split, int maxVocab, int minCount, ulong seed)
    {
        var trainPath = corpus;
        if (Directory.Exists(corpus))
        {
            var found = CorpusFiles.Discover(corpus);
            if (split is not null && valid is null && found.Valid is { } holds)
            {
                throw new ArgumentException($"--split {split} cuts one file, but the corpus directory {corpus} holds a validation file ({Path.GetFileName(holds)}); give the training file itself as --corpus, or leave out --split");
            }

            (trainPath, valid, test) = (found.Train, valid ?? found.Valid, test ?? found.Test);
        }

        var lines = LabeledTextReader.Read(trainPath);
        List<LabeledLine> trainLines, validLines;
        List<LabeledLine>? testLines;
        if (valid is null)
        {
            var cut = (split ?? DataSplit.Default).Cut(lines, seed);
            (trainLines, validLines, testLines) = (cut.Train, cut.Valid, cut.Test.Count > 0 ? cut.Test : null);
            if (test is not null)
            {
                testLines = testLines is null ? [.. LabeledTextReader.Read(test, "test file")] : throw new ArgumentException($"--split {split} holds out a test part and --test {test} gives one; use one of them");
            }
        }
        else if (split is not null)
        {
            throw new ArgumentException($"--split {split} cuts one file, but --valid {valid} gives the validation documents; use one of them");
        }
        else
        {
            (trainLines, validLines, testLines) = ([.. lines], [.. LabeledTextReader.Read(valid, "validation file")], test is null ? null : [.. LabeledTextReader.Read(test, "test file")]);
        }

        return FromLines(trainLines, validLines, testLines, maxVocab, minCount, trainPath, valid ?? trainPath, test ?? trainPath);
    }

    /// <summary>Encodes split documents; the paths name the files in messages.</summary>
    /// <exception cref="CorpusException">One class only, an empty validation part, or a label of validation or test that training never has.</exception>
    public static DocumentDataset FromLines(IReadOnlyList<LabeledLine> train, IReadOnlyList<LabeledLine> valid, IReadOnlyList<LabeledLine>? test,
        int maxVocab, int minCount, string trainPath, string validPath, string testPath)
    {
        var labels = train.Select(l => l.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (labels.Length < 2)
        {
            throw new CorpusException($"{trainPath}: the training documents have one class ({QuotedText.Quote(labels[0])}); a classifier needs at least 2");
        }

        if (valid.Count == 0)
        {
            throw new CorpusException($"{validPath}: no validation documents (give --valid, or a --split whose VALID part holds at least one document of a class)");
        }

        var vocabulary = Vocabulary.Build(train.SelectMany(l => l.Words), TokenizerKind.Word, maxVocab, minCount);
        if (vocabulary.Tokens.All(t => t is SpecialTokens.Unknown or SpecialTokens.EndOfSentence))
        {
            throw new CorpusException($"{trainPath}: no word of the training documents is seen --min-count {minCount} times, so every word would read as <unk>; lower --min-count");
        }

        var ids = labels.Select((label, id) => (label, id)).ToDictionary(p => p.label, p => p.id, StringComparer.Ordinal);
        return new DocumentDataset(vocabulary, labels,
            Encode(train, vocabulary, ids, trainPath),
            Encode(valid, vocabulary, ids, validPath),
            test is null ? null : Encode(test, vocabulary, ids, testPath));
    }

    /// <summary>Word ids of <paramref name="words"/>; a word outside the vocabulary reads as &lt;unk&gt;.</summary>
    public static int[] WordIds(IReadOnlyList<string> words, Vocabulary vocabulary)
    {
        var ids = new int[words.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = vocabulary.TryGetId(words[i], out var id) ? id : vocabulary.UnknownId;
        }

        return ids;
    }

    private static Document[] Encode(IReadOnlyList<LabeledLine> lines, Vocabulary vocabulary, Dictionary<string, int> labels, string path)
    {
        var documents = new Document[lines.Count];
        for (var i = 0; i < documents.Length; i++)
        {
            var line = lines[i];
            if (!labels.TryGetValue(line.Label, out var label))
            {
                throw new CorpusException($"{path}: line {line.Line}: class {QuotedText.Quote(line.Label)} never occurs in the training documents (their classes: {string.Join(", ", labels.Keys.Take(20))}{(labels.Count > 20 ? ", …" : string.Empty)}); remove these documents or add training examples of the class");
            }

            documents[i] = new Document(label, WordIds(line.Words, vocabulary));
        }

        return documents;
    }
}
