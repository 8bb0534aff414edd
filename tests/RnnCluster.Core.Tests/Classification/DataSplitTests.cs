using RnnCluster.Core.Classification;

namespace RnnCluster.Core.Tests.Classification;

public sealed class DataSplitTests
{
    [Theory]
    [InlineData("80/10/10", 80, 10, 10)]
    [InlineData("90/10/0", 90, 10, 0)]
    public void Parses_three_percentages(string text, int train, int valid, int test)
    {
        Assert.Equal(new DataSplit(train, valid, test), DataSplit.Parse(text));
        Assert.Equal(text, DataSplit.Parse(text).ToString());
    }

    [Theory]
    [InlineData("80/10")]
    [InlineData("80/10/5")]
    [InlineData("90/0/10")]
    [InlineData("0/50/50")]
    [InlineData("80/10/-0")]
    [InlineData("a/b/c")]
    [InlineData("80 / 10 / 10")]
    public void Refuses_anything_else_naming_the_flag(string text)
        => Assert.StartsWith("--split ", Assert.Throws<ArgumentException>(() => DataSplit.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("99999999999/0/0")] // beyond int
    [InlineData("200/-/0")]
    [InlineData("110/10/0")]
    public void A_percentage_above_100_is_named_as_out_of_range_not_as_malformed(string text)
    {
        var message = Assert.Throws<ArgumentException>(() => DataSplit.Parse(text)).Message;
        Assert.Equal(text.Contains('-', StringComparison.Ordinal)
            ? $"--split '{text}': expected three whole percentages TRAIN/VALID/TEST, e.g. 80/10/10"
            : $"--split {text}: a percentage is above 100 (each of TRAIN/VALID/TEST is 0..100, adding up to 100)", message);
    }

    [Fact]
    public void Cuts_each_class_in_proportion_in_file_order_and_the_same_for_a_seed()
    {
        var lines = ClassificationTestData.Lines(1_000, 3, 5);
        var split = new DataSplit(80, 10, 10);
        var (train, valid, test) = split.Cut(lines, 42);
        Assert.Equal(lines.Count, train.Count + valid.Count + test.Count);
        foreach (var group in lines.GroupBy(l => l.Label))
        {
            var n = group.Count();
            Assert.Equal((int)Math.Round(n * 0.1, MidpointRounding.AwayFromZero), valid.Count(l => l.Label == group.Key));
            Assert.Equal((int)Math.Round(n * 0.1, MidpointRounding.AwayFromZero), test.Count(l => l.Label == group.Key));
        }

        Assert.True(train.Select(l => l.Line).SequenceEqual(train.Select(l => l.Line).Order()));
        Assert.Equal(valid.Select(l => l.Line), split.Cut(lines, 42).Valid.Select(l => l.Line));
        Assert.NotEqual(valid.Select(l => l.Line), split.Cut(lines, 43).Valid.Select(l => l.Line));
    }

    [Fact]
    public void Keeps_one_training_document_of_a_class_too_small_to_split()
    {
        var lines = new List<LabeledLine> { new("rare", ["x"], 1), new("common", ["y"], 2), new("common", ["y"], 3) };
        var (train, _, _) = new DataSplit(50, 25, 25).Cut(lines, 1);
        Assert.Contains(train, l => l.Label == "rare");
        Assert.Contains(train, l => l.Label == "common");
    }
}
