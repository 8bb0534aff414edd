using RnnCluster.Core.Text;

namespace RnnCluster.Core.Classification;

/// <summary>
/// Reads labelled documents, one a line, in either of two formats, chosen by the file's first non-blank
/// line: fastText's (<c>__label__NAME word word …</c>) or a TSV of <c>label&lt;TAB&gt;text</c>. Words are
/// split on whitespace and kept as they are (no lower-casing), as fastText does. Blank lines are
/// skipped. Every other line must carry exactly one label and at least one word.
/// </summary>
public static class LabeledTextReader
{
    /// <summary>The prefix of a label in fastText's format.</summary>
    public const string LabelPrefix = "__label__";

    /// <exception cref="CorpusException">
    /// Naming the file and line: a line in neither format, a line with no label or more than one, an
    /// empty label or document, or a file with no documents.
    /// </exception>
    /// <param name="what">What the file is, for messages ("corpus file", "validation file", "test file").</param>
    public static IReadOnlyList<LabeledLine> Read(string path, string what = "corpus file")
    {
        var text = CorpusReader.ReadText(path, what);
        var lines = new List<LabeledLine>();
        bool? fastText = null;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            fastText ??= line.TrimStart().StartsWith(LabelPrefix, StringComparison.Ordinal) ? true
                : line.Contains('\t') ? false
                : throw new CorpusException($"{path}: line {number}: neither fastText's format ({LabelPrefix}NAME text) nor a TSV (label<TAB>text); give one labelled document a line");
            lines.Add(fastText.Value ? ParseFastText(path, line, number) : ParseTsv(path, line, number));
        }

        return lines.Count > 0 ? lines : throw new CorpusException($"{path}: no documents (the file is empty or blank)");
    }

    private static LabeledLine ParseFastText(string path, string line, int number)
    {
        var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var labels = tokens.Where(t => t.StartsWith(LabelPrefix, StringComparison.Ordinal)).ToArray();
        if (labels.Length != 1)
        {
            throw new CorpusException(labels.Length == 0
                ? $"{path}: line {number}: no {LabelPrefix}NAME label (this file is in fastText's format; every document needs one)"
                : $"{path}: line {number}: {labels.Length} labels ({string.Join(", ", labels.Select(QuotedText.Quote))}); a document has exactly one class here");
        }

        var label = labels[0][LabelPrefix.Length..];
        var words = tokens.Where(t => !t.StartsWith(LabelPrefix, StringComparison.Ordinal)).ToArray();
        return Checked(path, label, words, number);
    }

    private static LabeledLine ParseTsv(string path, string line, int number)
    {
        var tab = line.IndexOf('\t', StringComparison.Ordinal);
        if (tab < 0)
        {
            throw new CorpusException($"{path}: line {number}: no TAB between label and text (this file is a TSV of label<TAB>text)");
        }

        var label = line[..tab].Trim();
        var words = line[(tab + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return Checked(path, label, words, number);
    }

    private static LabeledLine Checked(string path, string label, string[] words, int number)
    {
        if (label.Length == 0)
        {
            throw new CorpusException($"{path}: line {number}: the label is empty");
        }

        if (label.Any(char.IsWhiteSpace))
        {
            throw new CorpusException($"{path}: line {number}: label {QuotedText.Quote(label)} contains whitespace; a label is one word");
        }

        return words.Length > 0
            ? new LabeledLine(label, words, number)
            : throw new CorpusException($"{path}: line {number}: label {QuotedText.Quote(label)} has an empty document (no words after it)");
    }
}
