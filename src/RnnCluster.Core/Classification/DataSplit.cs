using System.Globalization;
using RnnCluster.Core.Numerics;

namespace RnnCluster.Core.Classification;

/// <summary>
/// <c>--split TRAIN/VALID/TEST</c>: percentages of one labelled file for training, validation and test
/// (e.g. <c>80/10/10</c>; they add up to 100, training above 0). The cut is stratified (each class is
/// cut in these proportions, rounded to whole documents, with at least one training document a class)
/// and fixed by the seed.
/// </summary>
public sealed record DataSplit(int TrainPercent, int ValidPercent, int TestPercent)
{
    /// <summary>TRAIN/VALID/TEST, as the flag takes it.</summary>
    public override string ToString() => $"{TrainPercent}/{ValidPercent}/{TestPercent}";

    /// <summary>The split when a single file is given without --valid or --split: 90% training, 10% validation.</summary>
    public static DataSplit Default { get; } = new(90, 10, 0);

    /// <exception cref="ArgumentException">Naming --split, when the text is not three whole percentages adding up to 100.</exception>
    public static DataSplit Parse(string text)
    {
        var parts = text.Split('/');
        var values = new int[3];
        if (parts.Length != 3 || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException($"--split {Text.QuotedText.Quote(text)}: expected three whole percentages TRAIN/VALID/TEST, e.g. 80/10/10");
        }

        if (!parts.Select((p, i) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) && values[i] <= 100).All(ok => ok))
        {
            throw new ArgumentException($"--split {text}: a percentage is above 100 (each of TRAIN/VALID/TEST is 0..100, adding up to 100)");
        }

        if (values.Sum() != 100 || values[0] == 0 || values[1] == 0)
        {
            throw new ArgumentException($"--split {text}: the percentages must add up to 100, with training and validation above 0 (test may be 0)");
        }

        return new DataSplit(values[0], values[1], values[2]);
    }

    /// <summary>
    /// Cuts <paramref name="lines"/> into (train, valid, test), each in file order. Per class: its lines
    /// are shuffled with <paramref name="seed"/>, the first round(n·VALID%) go to validation, the next
    /// round(n·TEST%) to test, the rest (at least one) to training.
    /// </summary>
    public (List<LabeledLine> Train, List<LabeledLine> Valid, List<LabeledLine> Test) Cut(IReadOnlyList<LabeledLine> lines, ulong seed)
    {
        var part = new int[lines.Count]; // 0 train, 1 valid, 2 test
        var byLabel = Enumerable.Range(0, lines.Count).GroupBy(i => lines[i].Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        var classIndex = 0UL;
        foreach (var group in byLabel)
        {
            var members = group.ToArray();
            var rng = new Rng(Rng.Hash(seed, 0x53504C4954UL, classIndex++, (ulong)members.Length)); // "SPLIT", the class's ordinal rank
            for (var i = members.Length - 1; i > 0; i--)
            {
                var j = rng.NextInt(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }

            var valid = (int)Math.Round(members.Length * ValidPercent / 100.0, MidpointRounding.AwayFromZero);
            var test = (int)Math.Round(members.Length * TestPercent / 100.0, MidpointRounding.AwayFromZero);
            var room = members.Length - 1; // a class keeps at least one training document
            valid = Math.Min(valid, room);
            test = Math.Min(test, room - valid);
            for (var i = 0; i < members.Length; i++)
            {
                part[members[i]] = i < valid ? 1 : i < valid + test ? 2 : 0;
            }
        }

        var cut = (new List<LabeledLine>(), new List<LabeledLine>(), new List<LabeledLine>());
        for (var i = 0; i < lines.Count; i++)
        {
            (part[i] switch { 1 => cut.Item2, 2 => cut.Item3, _ => cut.Item1 }).Add(lines[i]);
        }

        return cut;
    }
}
