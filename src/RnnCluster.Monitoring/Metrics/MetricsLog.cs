using System.Text.Json;
using System.Text.Json.Serialization;

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

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

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
        return new MetricsLog(new StreamWriter(stream) { AutoFlush = false }, path);
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
    /// Every record of a log (a <c>metrics.jsonl</c> file, or a run directory holding one), in file
    /// order. A last line cut short by a crash is skipped; any other unreadable line throws
    /// <see cref="InvalidDataException"/> naming the file and line.
    /// </summary>
    public static IReadOnlyList<MetricsRecord> Read(string fileOrDirectory)
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
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            try
            {
                var record = JsonSerializer.Deserialize<MetricsRecord>(lines[i], Options);
                records.Add(record is { Kind: not null } ? record : throw new JsonException("no \"kind\" field"));
            }
            catch (JsonException) when (i == lines.Count - 1)
            {
                // the line being written when the run stopped
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}, line {i + 1}: not a metrics record ({e.Message})", e);
            }
        }

        return records;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }
}
