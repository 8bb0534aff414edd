using System.Text.Json;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>Job flags small enough that a run on the built-in corpus takes seconds.</summary>
internal static class SmallJob
{
    // lr 0.5, not the default 1: at lr 1 this tiny model amplifies float summation order so much
    // that even `train --threads 1` and `--threads 2` differ in the 4th digit after one epoch.
    public static readonly string[] Flags =
    [
        "--model", "lstm", "--layers", "1", "--hidden", "32", "--batch", "20", "--bptt", "20",
        "--lr", "0.5", "--epochs", "1", "--builtin-train-tokens", "40000", "--seed", "7",
    ];

    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    public static string[] With(params string[] args) => [.. args, .. Flags];

    public static double Number(JsonElement e, string field) => e.GetProperty(field).GetDouble();
}
