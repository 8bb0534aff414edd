using System.CommandLine;
using RnnCluster.Cli.Commands;

var root = new RootCommand("rnncluster: train recurrent language models (RNN, LSTM, GRU) on one machine or an Akka.NET cluster.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(GradcheckCommand.Create());
return await root.Parse(args).InvokeAsync();
