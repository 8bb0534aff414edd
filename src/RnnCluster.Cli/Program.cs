using System.CommandLine;
using RnnCluster.Cli.Commands;
using RnnCluster.Cli.Output;

var root = new RootCommand("rnncluster: train recurrent language models (RNN, LSTM, GRU) on one machine or an Akka.NET cluster.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(NeighborsCommand.Create());
root.Subcommands.Add(GradcheckCommand.Create());
root.Subcommands.Add(NgramCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
root.Subcommands.Add(DiagnoseCommand.Create());
root.Subcommands.Add(LocalCommand.Create());
root.Subcommands.Add(NodeCommand.Create());
root.Subcommands.Add(CertsCommand.Create());
root.Subcommands.Add(SubmitCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(WatchCommand.Create());
root.Subcommands.Add(CancelCommand.Create());
DecimalNumbers.RequireDecimalPoint(root);
var parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
if (parsed.Errors.Count > 0)
{
    // One line naming what was wrong (not the whole help text), as for every other bad input.
    var command = string.Join(' ', parsed.CommandResult.Command is var c && c != root ? ["rnncluster", c.Name] : ["rnncluster"]);
    var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
    await Console.Error.WriteLineAsync($"rnncluster: {RnnCluster.Core.Text.QuotedText.EscapeInvisible(ParseErrors.Readable(error.Message))} (see {command} --help)");
    return 2;
}

// Ctrl-C / SIGTERM cancel the command's token; a command that does not stop within the timeout is ended.
var exit = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(5) });

// No command at all is a usage error: the help is printed, the exit code says nothing ran.
return args.Length == 0 ? 2 : exit;
