using System.Text.Json;

namespace RnnCluster.Cli.Output;

/// <summary>
/// The line a node prints once it is up, <c>{"event":"node","role":…,"pid":…,"port":…}</c> with
/// <c>--json</c> (a coordinator adds <c>"dashboard"</c>, its HTTP address): a parent process
/// (<c>local</c>, tests, scripts) reads its port from it.
/// </summary>
public sealed record NodeStarted(string Role, int Pid, int Port, string? Address = null, string? Dashboard = null)
{
    public void Print(bool json)
    {
        if (json)
        {
            JsonEvents.Write("node", new { role = Role, pid = Pid, port = Port, address = Address, dashboard = Dashboard });
        }
        else
        {
            Console.WriteLine($"{Role} node up on port {Port} (pid {Pid})" + (Address is null ? string.Empty : $": {Address}")
                + (Dashboard is null ? string.Empty : $"; dashboard {Dashboard}"));
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
            var dashboard = root.TryGetProperty("dashboard", out var d) ? d.GetString() : null;
            started = new NodeStarted(role, pid.GetInt32(), port.GetInt32(), address, dashboard);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
