using System.Text.Json;

namespace RnnCluster.Cli.Output;

/// <summary>
/// The line a node prints once it is up, <c>{"event":"node","role":…,"pid":…,"port":…}</c> with
/// <c>--json</c>: a parent process (<c>local</c>, tests, scripts) reads its port from it.
/// </summary>
public sealed record NodeStarted(string Role, int Pid, int Port, string? Address = null)
{
    public void Print(bool json)
    {
        if (json)
        {
            JsonEvents.Write("node", new { role = Role, pid = Pid, port = Port, address = Address });
        }
        else
        {
            Console.WriteLine($"{Role} node up on port {Port} (pid {Pid})" + (Address is null ? string.Empty : $": {Address}"));
        }
    }

    /// <summary>Reads a JSON node line; false for any other line.</summary>
    public static bool TryParse(string line, out NodeStarted? started)
    {
        started = null;
        if (!line.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("event", out var name) || name.GetString() != "node"
                || !root.TryGetProperty("port", out var port) || !root.TryGetProperty("pid", out var pid))
            {
                return false;
            }

            var role = root.TryGetProperty("role", out var r) ? r.GetString() ?? string.Empty : string.Empty;
            var address = root.TryGetProperty("address", out var a) ? a.GetString() : null;
            started = new NodeStarted(role, pid.GetInt32(), port.GetInt32(), address);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
