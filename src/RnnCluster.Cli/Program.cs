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
return await root.Parse(args).InvokeAsync();
