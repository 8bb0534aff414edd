using System.Text;
using System.Text.RegularExpressions;
using RnnCluster.Core.Classification;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The classification benchmark's data: Debian's <c>fortunes</c> package (files under
/// /usr/share/games/fortunes, entries separated by <c>%</c> lines), installed with apt-get when missing.
/// The 10 categories with the most entries (not the art ones) are kept; each entry becomes one line in
/// fastText's format, lower-cased, with punctuation split from words (the preprocessing of fastText's
/// text-classification tutorial), and the lines are cut 80/10/10, stratified, by <see cref="DataSplit"/>
/// with seed 1 into fortunes.{train,valid,test}.txt.
/// </summary>
public static partial class FortunesSplit
{
    private const string Directory_ = "/usr/share/games/fortunes";
    private static readonly string[] NotText = ["art", "ascii-art"];

    public static object Run(string outDirectory)
    {
        if (!Directory.Exists(Directory_))
        {
            Console.Error.WriteLine("installing Debian's fortunes package …");
            Shell.Run("apt-get", "install -y -q fortunes");
        }

        var categories = Directory.EnumerateFiles(Directory_)
            .Where(f => Path.GetExtension(f) is "" && !NotText.Contains(Path.GetFileName(f)))
            .Select(f => (Name: Path.GetFileName(f), Entries: Entries(f)))
            .OrderByDescending(c => c.Entries.Count).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(10).ToArray();
        var lines = categories.SelectMany(c => c.Entries.Select((text, i) => new LabeledLine(c.Name, text.Split(' '), i + 1))).ToList();
        var (train, valid, test) = new DataSplit(80, 10, 10).Cut(lines, 1);
        Directory.CreateDirectory(outDirectory);
        foreach (var (name, part) in new[] { ("train", train), ("valid", valid), ("test", test) })
        {
            File.WriteAllLines(Path.Combine(outDirectory, $"fortunes.{name}.txt"),
                part.Select(l => $"{LabeledTextReader.LabelPrefix}{l.Label} {string.Join(' ', l.Words)}"));
        }

        return new
        {
            directory = Path.GetFullPath(outDirectory),
            categories = categories.Select(c => new { name = c.Name, entries = c.Entries.Count }).ToArray(),
            train = train.Count,
            valid = valid.Count,
            test = test.Count,
        };
    }

    /// <summary>A fortune file's entries as one cleaned line each (empty entries dropped).</summary>
    private static List<string> Entries(string path)
    {
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(path));
        text = Overstrike().Replace(text, string.Empty); // "_\bX" underlining
        return [.. Separator().Split(text).Select(Clean).Where(e => e.Length > 0)];
    }

    private static string Clean(string entry)
    {
        var spaced = Punctuation().Replace(entry.ToLowerInvariant(), " $1 ");
        return string.Join(' ', spaced.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@".\x08")]
    private static partial Regex Overstrike();

    [GeneratedRegex(@"^%\s*$", RegexOptions.Multiline)]
    private static partial Regex Separator();

    [GeneratedRegex(@"([.!?,'/()""\-:;])")]
    private static partial Regex Punctuation();
}
