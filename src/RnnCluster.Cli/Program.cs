using System.CommandLine;
using RnnCluster.Cli.Commands;

var root = new RootCommand("rnncluster: train recurrent language models (RNN, LSTM, GRU) on one machine or an Akka.NET cluster.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(GradcheckCommand.Create());
root.Subcommands.Add(LocalCommand.Create());
root.Subcommands.Add(NodeCommand.Create());
root.Subcommands.Add(SubmitCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(WatchCommand.Create());
root.Subcommands.Add(CancelCommand.Create());
// Ctrl-C / SIGTERM cancel the command's token; a command that does not stop within the timeout is ended.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(5) });
