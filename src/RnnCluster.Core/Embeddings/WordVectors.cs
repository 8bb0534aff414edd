using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Embeddings;

/// <summary>
/// Word vectors in word2vec's text format, which gensim (<c>KeyedVectors.load_word2vec_format</c>) and
/// fastText read: a first line "V d", then one line per word, "word x₁ … x_d", space-separated,
/// invariant-culture decimals.
/// </summary>
public sealed class WordVectors
{
    private readonly Dictionary<string, int> _ids;
    private readonly float[] _unit; // (V, d), each row scaled to length 1 (a zero row stays zero)

    /// <param name="words">V distinct words.</param>
    /// <param name="vectors">(V, d) row-major.</param>
    public WordVectors(IReadOnlyList<string> words, float[] vectors, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(vectors.Length, words.Count * dim);
        Words = words;
        Vectors = vectors;
        Dim = dim;
        _ids = new Dictionary<string, int>(words.Count, StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            _ids.TryAdd(words[i], i);
        }

        _unit = (float[])vectors.Clone();
        for (var i = 0; i < words.Count; i++)
        {
            var row = _unit.AsSpan(i * dim, dim);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, row);
            }
        }
    }

    public IReadOnlyList<string> Words { get; }

    /// <summary>(V, d) row-major.</summary>
    public float[] Vectors { get; }

    /// <summary>d, each vector's size.</summary>
    public int Dim { get; }

    public bool Contains(string word) => _ids.ContainsKey(word);

    /// <summary>cos(a, b) of two words of the vocabulary.</summary>
    /// <exception cref="KeyNotFoundException">When a word is not in the vocabulary (the message names it).</exception>
    public float Cosine(string a, string b) => TensorPrimitives.Dot(Unit(IdOf(a)), Unit(IdOf(b)));

    /// <summary>The <paramref name="k"/> words nearest to <paramref name="word"/> by cosine similarity, nearest first (the word itself left out).</summary>
    /// <exception cref="KeyNotFoundException">When the word is not in the vocabulary (the message names it).</exception>
    public IReadOnlyList<(string Word, float Cosine)> Nearest(string word, int k)
    {
        var id = IdOf(word);
        var query = Unit(id);
        var scores = new float[Words.Count];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(query, Unit(i));
        }

        return [.. Enumerable.Range(0, scores.Length).Where(i => i != id).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).Select(i => (Words[i], scores[i]))];
    }

    /// <summary>Writes the vectors to <paramref name="path"/> atomically (a reader never sees half a file).</summary>
    public void Write(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Words.Count} {Dim}"));
            var line = new StringBuilder();
            for (var i = 0; i < Words.Count; i++)
            {
                line.Clear().Append(Words[i]);
                foreach (var x in Vectors.AsSpan(i * Dim, Dim))
                {
                    line.Append(' ').Append(x.ToString("G7", CultureInfo.InvariantCulture));
                }

                writer.WriteLine(line);
            }
        });
    }

    /// <summary>Reads word2vec's text format.</summary>
    /// <exception cref="CorpusException">When the file is missing, unreadable or malformed (the message names the file and line).</exception>
    public static WordVectors Read(string path)
    {
        var lines = CorpusReader.ReadText(path, "word vectors").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (header.Length != 2 || !int.TryParse(header[0], CultureInfo.InvariantCulture, out var count) || !int.TryParse(header[1], CultureInfo.InvariantCulture, out var dim)
            || count < 1 || dim is < 1 or > 100_000)
        {
            throw new CorpusException($"word vectors '{path}', line 1: expected \"WORDS DIMENSIONS\" (word2vec's text format), found {QuotedText.Quote(lines[0].Length > 60 ? lines[0][..60] + "…" : lines[0])} (a GloVe file has no header: add the line \"WORDS DIMENSIONS\")");
        }

        if (lines.Length - 1 != count)
        {
            throw new CorpusException($"word vectors '{path}': the header announces {count:N0} words, the file has {lines.Length - 1:N0} vector lines");
        }

        var words = new string[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var vectors = new float[checked(count * dim)];
        for (var i = 0; i < count; i++)
        {
            var fields = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != dim + 1)
            {
                throw new CorpusException($"word vectors '{path}', line {i + 2}: expected a word and {dim} numbers, found {fields.Length} fields");
            }

            words[i] = fields[0];
            if (!seen.Add(fields[0]))
            {
                throw new CorpusException($"word vectors '{path}', line {i + 2}: {QuotedText.Quote(fields[0])} appears a second time");
            }

            for (var j = 0; j < dim; j++)
            {
                if (!float.TryParse(fields[j + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !float.IsFinite(x))
                {
                    throw new CorpusException($"word vectors '{path}', line {i + 2}: {QuotedText.Quote(fields[j + 1])} is not a finite number");
                }

                vectors[(i * dim) + j] = x;
            }
        }

        return new WordVectors(words, vectors, dim);
    }

    private int IdOf(string word) => _ids.TryGetValue(word, out var id)
        ? id
        : throw new KeyNotFoundException($"{QuotedText.Quote(word)} is not in the vectors' vocabulary");

    private ReadOnlySpan<float> Unit(int id) => _unit.AsSpan(id * Dim, Dim);
}
