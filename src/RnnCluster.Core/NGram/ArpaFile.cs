using System.Globalization;
using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.NGram;

/// <summary>
/// Reads and writes <see cref="BackoffModel"/>s in the ARPA text format that SRILM and KenLM use:
/// a <c>\data\</c> header of counts per order, then one section per order whose lines are
/// <c>log10 p ⇥ w1 … wk [⇥ log10 backoff]</c>, then <c>\end\</c>. Unigrams are written in vocabulary
/// id order with <c>&lt;s&gt;</c> last, so reading restores the ids; higher orders in key order.
/// Probabilities are written as shortest round-trip floats: a read model scores exactly as the written one.
/// </summary>
public static class ArpaFile
{
    /// <summary>Writes the model atomically (a temporary file renamed over <paramref name="path"/>).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, BackoffModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            writer.WriteLine("\\data\\");
            for (var k = 1; k <= model.Order; k++)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ngram {k}={model.Count(k)}"));
            }

            var words = new string[model.Vocabulary.Count + 1];
            for (var i = 0; i < model.Vocabulary.Count; i++)
            {
                words[i] = model.Vocabulary.TokenOf(i);
            }

            words[model.StartId] = BackoffModel.SentenceStart;
            var ids = new int[model.Order];
            for (var k = 1; k <= model.Order; k++)
            {
                writer.WriteLine();
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\\{k}-grams:"));
                var table = model.Table(k);
                var grams = table.Keys.ToArray();
                Array.Sort(grams); // oldest id first; unigrams in id order, <s> (the largest id) last

                foreach (var gram in grams)
                {
                    var entry = table[gram];
                    writer.Write(entry.Log10Probability.ToString(CultureInfo.InvariantCulture));
                    writer.Write('\t');
                    model.Keys.Unpack(gram, ids.AsSpan(0, k));
                    for (var i = 0; i < k; i++)
                    {
                        if (i > 0)
                        {
                            writer.Write(' ');
                        }

                        writer.Write(words[ids[i]]);
                    }

                    if (k < model.Order && entry.Log10Backoff != 0f)
                    {
                        writer.Write('\t');
                        writer.Write(entry.Log10Backoff.ToString(CultureInfo.InvariantCulture));
                    }

                    writer.WriteLine();
                }
            }

            writer.WriteLine();
            writer.WriteLine("\\end\\");
        });
    }

    /// <summary>Whether <paramref name="path"/> is a regular file that starts like an ARPA file (its first non-blank line is <c>\data\</c>).</summary>
    public static bool Looks(string path)
    {
        if (!File.Exists(path) || FileKind.DescribeSpecial(path, followLinks: true) is not null)
        {
            return false; // a directory, device or pipe: whoever opens it as a model says what it is
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        var buffer = new char[256];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).TrimStart().StartsWith("\\data\\", StringComparison.Ordinal);
    }

    /// <summary>Reads a model written by <see cref="Write"/> (or any ARPA file whose words are whitespace-free).</summary>
    /// <exception cref="InvalidDataException">The file is not a complete ARPA model; the message names the line.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static BackoffModel Read(string path)
    {
        using var lines = new Lines(path);
        if (lines.NextNonBlank() != "\\data\\")
        {
            throw lines.Bad("not an ARPA n-gram model (it must begin with \\data\\)");
        }

        var counts = new List<int>();
        while (lines.Next()?.Trim() is { Length: > 0 } header)
        {
            var parts = header.Split('=');
            if (parts.Length != 2 || !parts[0].StartsWith("ngram ", StringComparison.Ordinal)
                || !int.TryParse(parts[0].AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var order) || order != counts.Count + 1
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < (order == 1 ? 1 : 0))
            {
                throw lines.Bad($"expected 'ngram {counts.Count + 1}=COUNT', found '{header}'");
            }

            counts.Add(count);
        }

        if (counts.Count == 0)
        {
            throw lines.Bad("the \\data\\ header lists no n-gram counts");
        }

        var tables = new Dictionary<UInt128, BackoffModel.Entry>[counts.Count + 1];
        tables[0] = [];
        var vocabulary = ReadUnigrams(lines, counts[0], out tables[1]);
        var keys = new NGramKeys(vocabulary.Count + 1, counts.Count);
        for (var k = 2; k <= counts.Count; k++)
        {
            tables[k] = ReadNGrams(lines, k, counts[k - 1], vocabulary, keys);
        }

        if (lines.NextNonBlank() != "\\end\\")
        {
            throw lines.Bad($"expected \\end\\ after the {counts.Count}-grams, found '{lines.Current ?? "the end of the file"}'");
        }

        return new BackoffModel(vocabulary, tables);
    }

    /// <summary>
    /// The unigram section: the words in file order become the vocabulary (ids 0, 1, …) and
    /// <c>&lt;s&gt;</c>, wherever it stands, the start id one past them.
    /// </summary>
    private static Vocabulary ReadUnigrams(Lines lines, int count, out Dictionary<UInt128, BackoffModel.Entry> table)
    {
        lines.Section(1);
        var read = new List<(string Word, BackoffModel.Entry Entry)>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < count; n++)
        {
            var (fields, entry) = lines.Entry(1, n, count);
            if (!seen.Add(fields[1]))
            {
                throw lines.Bad($"the unigram '{fields[1]}' appears twice");
            }

            read.Add((fields[1], entry));
        }

        var tokens = read.Select(r => r.Word).Where(w => w != BackoffModel.SentenceStart).ToList();
        if (tokens.Count == 0)
        {
            throw lines.Bad("the model has no words");
        }

        var vocabulary = Vocabulary.FromTokens(tokens);
        table = new Dictionary<UInt128, BackoffModel.Entry>(read.Count);
        foreach (var (word, entry) in read)
        {
            table[NGramKeys.Unigram(IdOf(word, vocabulary))] = entry;
        }

        return vocabulary;
    }

    private static Dictionary<UInt128, BackoffModel.Entry> ReadNGrams(Lines lines, int k, int count, Vocabulary vocabulary, NGramKeys keys)
    {
        lines.Section(k);
        var table = new Dictionary<UInt128, BackoffModel.Entry>(count);
        for (var n = 0; n < count; n++)
        {
            var (fields, entry) = lines.Entry(k, n, count);
            var key = (UInt128)0;
            for (var i = 1; i <= k; i++)
            {
                var word = fields[i];
                if (word != BackoffModel.SentenceStart && !vocabulary.Contains(word))
                {
                    throw lines.Bad($"the word '{word}' has no unigram");
                }

                key = keys.Append(key, IdOf(word, vocabulary));
            }

            if (!table.TryAdd(key, entry))
            {
                throw lines.Bad($"the {k}-gram '{string.Join(' ', fields[1..(k + 1)])}' appears twice");
            }
        }

        return table;
    }

    /// <summary>A word's id: its vocabulary id, or the start id (one past the vocabulary) for <c>&lt;s&gt;</c>.</summary>
    private static int IdOf(string word, Vocabulary vocabulary)
        => word == BackoffModel.SentenceStart ? vocabulary.Count : vocabulary.IdOf(word);

    /// <summary>An ARPA file's lines, counted, with errors that name the file and the line.</summary>
    private sealed class Lines(string path) : IDisposable
    {
        private readonly StreamReader _reader = new(path, Encoding.UTF8);
        private int _line;

        /// <summary>The trimmed text of the last line read by <see cref="NextNonBlank"/> (null at the end).</summary>
        public string? Current { get; private set; }

        public string? Next()
        {
            _line++;
            return _reader.ReadLine();
        }

        public string? NextNonBlank()
        {
            string? text;
            while ((text = Next()) is not null && text.Trim().Length == 0)
            {
            }

            return Current = text?.Trim();
        }

        public InvalidDataException Bad(string what) => new($"{path}: line {_line}: {what}");

        /// <summary>Reads the header of the section of <paramref name="k"/>-grams.</summary>
        public void Section(int k)
        {
            if (NextNonBlank() != string.Create(CultureInfo.InvariantCulture, $"\\{k}-grams:"))
            {
                throw Bad($"expected the section \\{k}-grams:, found '{Current ?? "the end of the file"}'");
            }
        }

        /// <summary>The <paramref name="n"/>-th of <paramref name="count"/> lines of a section: its fields (probability, k words, optional backoff) and entry.</summary>
        public (string[] Fields, BackoffModel.Entry Entry) Entry(int k, int n, int count)
        {
            var text = Next() ?? throw Bad($"the file ends after {n:N0} of the {count:N0} {k}-grams the header promises");
            var fields = text.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            var backoff = 0f;
            if (fields.Length < k + 1 || fields.Length > k + 2 || !TryFloat(fields[0], out var probability)
                || (fields.Length == k + 2 && !TryFloat(fields[k + 1], out backoff)))
            {
                throw Bad($"expected 'LOG10PROB' then {k} word(s) then an optional 'LOG10BACKOFF', found '{text}'");
            }

            return (fields, new BackoffModel.Entry(probability, backoff));
        }

        public void Dispose() => _reader.Dispose();

        private static bool TryFloat(string field, out float value) =>
            float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !float.IsNaN(value);
    }
}
