namespace RnnCluster.Core.Text;

/// <summary>
/// The files of a corpus directory: PTB-style <c>*.train.txt</c>/<c>train.txt</c> (with matching
/// valid and test files when present), or a lone <c>input.txt</c> as in tinyshakespeare.
/// </summary>
public sealed record CorpusFiles(string Train, string? Valid, string? Test)
{
    public static CorpusFiles Discover(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new CorpusException($"corpus directory '{directory}' not found — check the path");
        }

        var train = FindSplit(directory, "train");
        if (train is not null)
        {
            return new CorpusFiles(train, FindSplit(directory, "valid"), FindSplit(directory, "test"));
        }

        var input = Path.Combine(directory, "input.txt");
        if (File.Exists(input))
        {
            return new CorpusFiles(input, null, null);
        }

        throw new CorpusException(
            $"corpus directory '{directory}' has no train.txt, *.train.txt or input.txt — " +
            "give the training file itself or rename it to one of these");
    }

    private static string? FindSplit(string directory, string split)
    {
        var matches = new List<string>();
        var exact = Path.Combine(directory, split + ".txt");
        if (File.Exists(exact))
        {
            matches.Add(exact);
        }

        matches.AddRange(Directory.EnumerateFiles(directory, "*." + split + ".txt"));
        matches.Sort(StringComparer.Ordinal);
        return matches.Count switch
        {
            0 => null,
            1 => matches[0],
            _ => throw new CorpusException(
                $"corpus directory '{directory}' has several {split} files ({string.Join(", ", matches.Select(Path.GetFileName))}) — " +
                $"keep one or give --corpus/--valid/--test file paths"),
        };
    }
}
