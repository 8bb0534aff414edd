using RnnCluster.Core.Embeddings;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Embeddings;

public sealed class WordVectorsTests
{
    [Fact]
    public void Vectors_round_trip_through_word2vecs_text_format_and_rank_neighbours_by_cosine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vectors-{Guid.NewGuid():N}.vec");
        try
        {
            var vectors = new WordVectors(["king", "queen", "apple", "pear"], [1f, 0.1f, 0.9f, 0.2f, -1f, 0.05f, -0.8f, 0f], 2);
            vectors.Write(path);
            Assert.Equal("4 2", File.ReadLines(path).First());
            var read = WordVectors.Read(path);
            Assert.Equal(vectors.Vectors, read.Vectors);
            Assert.Equal(["queen", "apple", "pear"], read.Nearest("king", 3).Select(n => n.Word));
            Assert.Equal(1.0, read.Cosine("king", "king"), 5);
            var error = Assert.Throws<KeyNotFoundException>(() => read.Nearest("prince", 1));
            Assert.Contains("'prince'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("2 3\na 1 2 3\n", "announces 2 words")]
    [InlineData("1 3\na 1 2\n", "line 2: expected a word and 3 numbers")]
    [InlineData("1 2\na 1 NaN\n", "line 2: 'NaN' is not a finite number")]
    [InlineData("hello\na 1\n", "line 1: expected \"WORDS DIMENSIONS\"")]
    public void A_malformed_file_is_refused_naming_the_line(string text, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vectors-{Guid.NewGuid():N}.vec");
        File.WriteAllText(path, text);
        try
        {
            var error = Assert.Throws<CorpusException>(() => WordVectors.Read(path));
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
