using System.Text;
using RnnCluster.Core.Classification;

namespace RnnCluster.Core.Tests.Classification;

/// <summary>
/// Synthetic labelled documents: K topics, each with 4 words of its own; a document holds 3–8 words,
/// each its topic's with probability 0.6, else one of 6 words every topic shares.
/// </summary>
internal static class ClassificationTestData
{
    private static readonly string[] Shared = ["the", "a", "of", "and", "to", "is"];

    public static List<LabeledLine> Lines(int count, int classes, int seed)
    {
        var random = new Random(seed);
        var lines = new List<LabeledLine>();
        for (var i = 0; i < count; i++)
        {
            var k = random.Next(classes);
            var words = Enumerable.Range(0, 3 + random.Next(6))
                .Select(_ => random.NextDouble() < 0.6 ? $"topic{k}word{random.Next(4)}" : Shared[random.Next(Shared.Length)]).ToArray();
            lines.Add(new LabeledLine($"class{k}", words, i + 1));
        }

        return lines;
    }

    /// <summary>The lines in fastText's format.</summary>
    public static string FastText(IEnumerable<LabeledLine> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(LabeledTextReader.LabelPrefix).Append(line.Label).Append(' ').AppendJoin(' ', line.Words).Append('\n');
        }

        return text.ToString();
    }

    public static DocumentDataset Dataset(int train, int classes, int seed)
        => DocumentDatasetLoader.FromLines(Lines(train, classes, seed), Lines(train / 5, classes, seed + 1), Lines(train / 5, classes, seed + 2), 0, 1, "train", "valid", "test");
}
