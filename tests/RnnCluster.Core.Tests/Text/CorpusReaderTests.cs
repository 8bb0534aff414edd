using System.Text;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public sealed class CorpusReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Reads_utf8_text_and_strips_the_bom()
    {
        var path = _dir.WriteBytes("bom.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("héllo\n")]);

        Assert.Equal("héllo\n", CorpusReader.ReadText(path));
    }

    [Theory]
    [InlineData("a\r\nb\r\n")]
    [InlineData("a\rb\r")]
    [InlineData("a\u0085b\u0085")]
    [InlineData("a\u2028b\u2028")]
    [InlineData("a\u2029b\u2029")]
    [InlineData("a\fb\f")]
    [InlineData("a\nb\r\n")]
    public void Every_line_end_reads_as_a_line_feed(string text)
    {
        var path = _dir.WriteBytes("lines.txt", Encoding.UTF8.GetBytes(text));

        Assert.Equal("a\nb\n", CorpusReader.ReadText(path));
    }

    [Theory]
    [InlineData(TokenizerKind.Word)]
    [InlineData(TokenizerKind.Char)]
    public void A_lone_cr_file_tokenizes_as_its_lf_twin(TokenizerKind kind)
    {
        var cr = _dir.WriteBytes("cr.txt", Encoding.UTF8.GetBytes("one two\rthree\r"));
        var lf = _dir.WriteBytes("lf.txt", Encoding.UTF8.GetBytes("one two\nthree\n"));
        List<string> Tokens(string path)
        {
            var tokens = new List<string>();
            Tokenizers.Create(kind).Tokenize(CorpusReader.ReadText(path), tokens);
            return tokens;
        }

        Assert.Equal(Tokens(lf), Tokens(cr));
        Assert.DoesNotContain("\r", Tokens(cr));
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var path = Path.Combine(_dir.Path, "nope.txt");

        var e = Assert.Throws<CorpusException>(() => CorpusReader.ReadText(path));
        Assert.Contains($"'{path}' not found", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t\r\n")]
    public void Empty_or_blank_file_is_named(string text)
    {
        var path = _dir.Write("empty.txt", text);

        var e = Assert.Throws<CorpusException>(() => CorpusReader.ReadText(path));
        Assert.Contains($"'{path}' is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_with_nul_bytes_is_binary()
    {
        var path = _dir.WriteBytes("model.bin", [0x41, 0x42, 0x00, 0x43]);

        var e = Assert.Throws<CorpusException>(() => CorpusReader.ReadText(path));
        Assert.Contains($"'{path}' looks binary / not UTF-8 text", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_with_the_byte_offset()
    {
        // Latin-1 "café": 0xE9 starts a three-byte UTF-8 sequence that never comes.
        var path = _dir.WriteBytes("latin1.txt", [0x63, 0x61, 0x66, 0xE9, 0x0A]);

        var e = Assert.Throws<CorpusException>(() => CorpusReader.ReadText(path));
        Assert.Contains($"'{path}' looks binary / not UTF-8 text", e.Message, StringComparison.Ordinal);
        Assert.Contains("byte 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_is_not_a_corpus_file()
    {
        var e = Assert.Throws<CorpusException>(() => CorpusReader.ReadText(_dir.Path));
        Assert.Contains($"'{_dir.Path}' is a directory", e.Message, StringComparison.Ordinal);
    }
}
