using System.CommandLine;
using RnnCluster.Cli.Output;

namespace RnnCluster.Cli.Commands;

/// <summary><c>rnncluster status</c>: the cluster's members and jobs.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var contact = new ContactOptions();
        var json = new Option<bool>("--json") { Description = "print one JSON object {members, jobs}" };
        var command = new Command("status", "Show the members of the cluster at --contact (address, roles, status) and its jobs (state, epoch, step, tokens/s, perplexity).") { json };
        contact.AddTo(command);
        command.SetAction((result, cancel) => CliError.Guard(async () =>
        {
            await using var client = await contact.ConnectAsync(result, cancel);
            StatusView.Print(client.FirstStatus ?? await client.GetStatusAsync(contact.Timeout(result)), result.GetValue(json));
            return 0;
        }));
        return command;
    }
}
