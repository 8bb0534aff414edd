using System.Text.Json;

namespace RnnCluster.Monitoring.Metrics;

/// <summary>
/// A run's <c>metrics.jsonl</c>: one <see cref="MetricsRecord"/> per line, appended and flushed as it
/// happens, so a crash loses at most the line being written and a reader (the dashboard, <c>plot</c>)
/// can follow a running job. Thread-safe.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    /// <summary>The file name inside a run's log directory.</summary>
    public const string FileName = "metrics.jsonl";

    private static readonly JsonSerializerOptions Options = Core.Checkpoints.MetricsJson.SnakeCase;

    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    private MetricsLog(StreamWriter writer, string path)
    {
        _writer = writer;
        Path = path;
    }

    /// <summary>The log file's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <c>DIR/metrics.jsonl</c> for appending, creating DIR. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when the directory cannot be created or written.
    /// </summary>
    public static MetricsLog Append(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, FileName));
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var writer = new StreamWriter(stream) { AutoFlush = false };
        if (stream.Length > 0 && !EndsWithNewline(path))
        {
            writer.WriteLine(); // a line cut short by a crash stays a (skipped) line of its own
            writer.Flush();
        }

        return new MetricsLog(writer, path);
    }

    public void Write(MetricsRecord record)
    {
        var line = JsonSerializer.Serialize(record, Options);
        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    /// <summary>
    /// Moves an existing log in <paramref name="directory"/> aside to <c>metrics.YYYYMMDD-HHMMSS.jsonl</c>
    /// so a new run starts its own; returns where it went (null: there was none).
    /// </summary>
    public static string? MoveAside(string directory)
    {
        var path = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var aside = System.IO.Path.Combine(directory, $"metrics.{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)}.jsonl");
        File.Move(path, aside, overwrite: false);
        return aside;
    }

    private static bool EndsWithNewline(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }

    /// <summary>Every readable record of a log, in file order (see <see cref="ReadChecked"/>).</summary>
    public static IReadOnlyList<MetricsRecord> Read(string fileOrDirectory) => ReadChecked(fileOrDirectory).Records;

    /// <summary>
    /// Every record of a log (a <c>metrics.jsonl</c> file, or a run directory holding one), in file
    /// order, and the numbers of the lines that are no metrics record (a line cut short by a crash,
    /// a damaged line), which are skipped. Throws <see cref="FileNotFoundException"/> when there is no log.
    /// </summary>
    public static (IReadOnlyList<MetricsRecord> Records, IReadOnlyList<int> DamagedLines) ReadChecked(string fileOrDirectory)
    {
        var path = Directory.Exists(fileOrDirectory) ? System.IO.Path.Combine(fileOrDirectory, FileName) : fileOrDirectory;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no metrics log at {path} (a run directory holds {FileName}; train writes one with --log-dir)", path);
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        var records = new List<MetricsRecord>(lines.Count);
        var damaged = new List<int>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            try
            {
                var record = JsonSerializer.Deserialize<MetricsRecord>(lines[i], Options);
                if (record is { Kind: not null })
                {
                    records.Add(record);
                    continue;
                }
            }
            catch (JsonException)
            {
            }

            damaged.Add(i + 1);
        }

        return (records, damaged);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }
}
