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
                    for (var i = k - 1; i >= 0; i--)
                    {
                        ids[i] = model.Keys.Newest(gram >> (model.Keys.Bits * (k - 1 - i)));
                    }

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

    /// <summary>Whether <paramref name="path"/> starts like an ARPA file (its first non-blank line is <c>\data\</c>).</summary>
    public static bool Looks(string path)
    {
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
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = 0;
        string? Next()
        {
            line++;
            return reader.ReadLine();
        }

        InvalidDataException Bad(string what) => new($"{path}: line {line}: {what}");

        string? text;
        while ((text = Next()) is not null && text.Trim().Length == 0)
        {
        }

        if (text?.Trim() != "\\data\\")
        {
            throw Bad("not an ARPA n-gram model (it must begin with \\data\\)");
        }

        var counts = new List<int>();
        while ((text = Next()) is not null && text.Trim().Length > 0)
        {
            var parts = text.Trim().Split('=');
            if (parts.Length != 2 || !parts[0].StartsWith("ngram ", StringComparison.Ordinal)
                || !int.TryParse(parts[0].AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var order) || order != counts.Count + 1
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
            {
                throw Bad($"expected 'ngram {counts.Count + 1}=COUNT', found '{text.Trim()}'");
            }

            counts.Add(count);
        }

        if (counts.Count == 0)
        {
            throw Bad("the \\data\\ header lists no n-gram counts");
        }

        var tables = new Dictionary<UInt128, BackoffModel.Entry>[counts.Count + 1];
        tables[0] = [];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokens = new List<string>();
        NGramKeys keys = default;
        for (var k = 1; k <= counts.Count; k++)
        {
            while ((text = Next()) is not null && text.Trim().Length == 0)
            {
            }

            if (text?.Trim() != string.Create(CultureInfo.InvariantCulture, $"\\{k}-grams:"))
            {
                throw Bad($"expected the section \\{k}-grams:, found '{text?.Trim() ?? "the end of the file"}'");
            }

            var table = new Dictionary<UInt128, BackoffModel.Entry>(counts[k - 1]);
            var gramIds = new int[k];
            for (var n = 0; n < counts[k - 1]; n++)
            {
                text = Next() ?? throw Bad($"the file ends after {n:N0} of the {counts[k - 1]:N0} {k}-grams the header promises");
                var fields = text.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < k + 1 || fields.Length > k + 2 || !TryFloat(fields[0], out var probability)
                    || (fields.Length == k + 2 && !TryFloat(fields[k + 1], out _)))
                {
                    throw Bad($"expected 'LOG10PROB' then {k} word(s) then an optional 'LOG10BACKOFF', found '{text}'");
                }

                var backoff = fields.Length == k + 2 ? float.Parse(fields[k + 1], CultureInfo.InvariantCulture) : 0f;
                for (var i = 0; i < k; i++)
                {
                    var word = fields[i + 1];
                    if (k == 1)
                    {
                        if (!ids.TryAdd(word, ids.Count))
                        {
                            throw Bad($"the unigram '{word}' appears twice");
                        }

                        if (word != BackoffModel.SentenceStart)
                        {
                            tokens.Add(word);
                        }
                    }
                    else if (!ids.ContainsKey(word))
                    {
                        throw Bad($"the word '{word}' has no unigram");
                    }

                    gramIds[i] = ids[word];
                }

                // Unigrams are keyed by file position until Renumber gives them vocabulary ids.
                var key = k == 1 ? (UInt128)(uint)gramIds[0] : keys.Pack(gramIds);
                if (!table.TryAdd(key, new BackoffModel.Entry(probability, backoff)))
                {
                    throw Bad($"the {k}-gram '{string.Join(' ', fields[1..(k + 1)])}' appears twice");
                }
            }

            if (k == 1)
            {
                (table, keys) = Renumber(table, ids, tokens, counts.Count, Bad);
            }

            tables[k] = table;
        }

        while ((text = Next()) is not null && text.Trim().Length == 0)
        {
        }

        if (text?.Trim() != "\\end\\")
        {
            throw Bad($"expected \\end\\ after the {counts.Count}-grams, found '{text?.Trim() ?? "the end of the file"}'");
        }

        return new BackoffModel(Vocabulary.FromTokens(tokens), tables);

        static bool TryFloat(string field, out float value) =>
            float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !float.IsNaN(value);
    }

    /// <summary>
    /// Gives the words their vocabulary ids (file order without <c>&lt;s&gt;</c>) and <c>&lt;s&gt;</c> the
    /// start id, one past them, re-keying the unigram table read in file order.
    /// </summary>
    private static (Dictionary<UInt128, BackoffModel.Entry> Table, NGramKeys Keys) Renumber(
        Dictionary<UInt128, BackoffModel.Entry> read, Dictionary<string, int> ids, List<string> tokens, int order, Func<string, InvalidDataException> bad)
    {
        if (tokens.Count == 0)
        {
            throw bad("the model has no words");
        }

        var fileIds = ids.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        ids.Clear();
        for (var i = 0; i < tokens.Count; i++)
        {
            ids[tokens[i]] = i;
        }

        ids[BackoffModel.SentenceStart] = tokens.Count;
        var table = new Dictionary<UInt128, BackoffModel.Entry>(read.Count);
        foreach (var (word, fileId) in fileIds)
        {
            table[(UInt128)(uint)ids[word]] = read[(UInt128)(uint)fileId];
        }

        return (table, new NGramKeys(tokens.Count + 1, order));
    }
}
