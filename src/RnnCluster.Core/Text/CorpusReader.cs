using System.Text;

namespace RnnCluster.Core.Text;

/// <summary>
/// Reads a corpus file as UTF-8 text, rejecting missing, empty and binary files. Line ends follow one
/// policy for every reader of text (corpora, labelled documents, eval and predict input): LF, CRLF, a
/// lone CR, NEL (U+0085), LINE SEPARATOR (U+2028), PARAGRAPH SEPARATOR (U+2029) and FF (U+000C) each
/// end a line and are read as LF (<see cref="string.ReplaceLineEndings(string)"/>), so a file with
/// Windows, classic Mac or Unicode line ends tokenizes as its LF twin, for words and characters alike.
/// </summary>
public static class CorpusReader
{
    private const int BinaryProbeBytes = 64 * 1024;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string ReadText(string path) => ReadText(path, "corpus file");

    /// <summary>As <see cref="ReadText(string)"/>; messages call the file <paramref name="what"/> (e.g. "word vectors").</summary>
    public static string ReadText(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new CorpusException($"{what} '{path}' is a directory — give the path of a text file");
        }

        if (!File.Exists(path))
        {
            throw new CorpusException($"{what} '{path}' not found — check the path");
        }

        if (Checkpoints.FileKind.DescribeSpecial(path, followLinks: true) is { } kind)
        {
            throw new CorpusException($"{what} '{path}' is {kind}, not a regular file; give a text file");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{what} '{path}' cannot be read: {Checkpoints.FileSystemError.Describe(e, writing: false)}", e);
        }

        var body = bytes.AsSpan();
        var bomLength = body.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        body = body[bomLength..];

        if (body[..Math.Min(body.Length, BinaryProbeBytes)].Contains((byte)0))
        {
            throw NotText(path, "it contains NUL bytes", what);
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException e)
        {
            var where = e.Index >= 0 ? $"byte {e.Index + bomLength} is not valid UTF-8" : "it is not valid UTF-8";
            throw NotText(path, where, what, e);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CorpusException($"{what} '{path}' is empty — give a file with text in it");
        }

        return text.ReplaceLineEndings("\n");
    }

    private static CorpusException NotText(string path, string why, string what, Exception? inner = null)
    {
        var message = $"{what} '{path}' looks binary / not UTF-8 text ({why}) — give a plain UTF-8 text file";
        return inner is null ? new CorpusException(message) : new CorpusException(message, inner);
    }
}
