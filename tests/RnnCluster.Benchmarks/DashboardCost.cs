using System.Text.Json;

namespace RnnCluster.Benchmarks;

/// <summary>
/// What the dashboard and the metrics log cost training: <c>local --workers 2 --threads 1</c> on PTB
/// small with neither (<c>--http-port -1 --log-dir none</c>) against both, while a poller plays a
/// browser on the job page (its metrics every second, the job list and cluster every 2 s) and a
/// Prometheus scraper (<c>/metrics</c> every 5 s); alternating rounds, medians.
/// </summary>
public static class DashboardCost
{
    private const string Small = "--model lstm --layers 2 --hidden 200 --batch 20 --bptt 20 --lr 1 --clip 5";

    public static object Run(string repoRoot, string corpus, int steps, int rounds)
    {
        var off = new List<double>();
        var on = new List<double>();
        var requests = new List<int>();
        var logDir = Directory.CreateTempSubdirectory("rnncluster-dashboard-cost-").FullName;
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var baseline = CliRunner.Summary(repoRoot, $"local --workers 2 --threads 1 --corpus {corpus} {Small} --max-steps {steps} --http-port -1 --log-dir none");
                off.Add(baseline.GetProperty("tokens_per_sec").GetDouble());
                using var poller = new Poller();
                var watched = CliRunner.Summary(repoRoot, $"local --workers 2 --threads 1 --corpus {corpus} {Small} --max-steps {steps} --http-port 0 --log-dir {logDir}", e =>
                {
                    if (e.GetProperty("event").GetString() == "node" && e.TryGetProperty("dashboard", out var url) && url.GetString() is { } dashboard)
                    {
                        poller.Start(new Uri(dashboard));
                    }
                });
                on.Add(watched.GetProperty("tokens_per_sec").GetDouble());
                requests.Add(poller.Requests);
                Console.Error.WriteLine($"round {round + 1}: without {off[^1]:F0} tok/s, with dashboard, metrics log and polling {on[^1]:F0} ({poller.Requests} requests)");
            }
        }
        finally
        {
            Directory.Delete(logDir, recursive: true);
        }

        var offMedian = StepProfile.Median(off);
        var onMedian = StepProfile.Median(on);
        return new
        {
            steps,
            without_tokens_per_sec = off,
            with_tokens_per_sec = on,
            requests_per_run = requests,
            without_median = Math.Round(offMedian),
            with_median = Math.Round(onMedian),
            cost_percent = Math.Round((1 - (onMedian / offMedian)) * 100, 2),
        };
    }

    /// <summary>Polls the dashboard's API as an open job page and a Prometheus scraper would.</summary>
    private sealed class Poller : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
        private Task _loop = Task.CompletedTask;
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public void Start(Uri dashboard)
        {
            _http.BaseAddress = dashboard;
            _loop = Task.Run(() => LoopAsync(_stop.Token));
        }

        private async Task LoopAsync(CancellationToken stop)
        {
            long last = 0;
            for (var tick = 0; !stop.IsCancellationRequested; tick++)
            {
                try
                {
                    var page = JsonDocument.Parse(await _http.GetStringAsync($"api/jobs/job-1/metrics?after={last}", stop)).RootElement;
                    last = page.GetProperty("last").GetInt64();
                    Interlocked.Increment(ref _requests);
                }
                catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
                {
                    // the job has not started yet, or the cluster is stopping
                }

                try
                {
                    if (tick % 2 == 0)
                    {
                        await _http.GetStringAsync("api/jobs", stop);
                        await _http.GetStringAsync("api/cluster", stop);
                        Interlocked.Add(ref _requests, 2);
                    }

                    if (tick % 5 == 0)
                    {
                        await _http.GetStringAsync("metrics", stop);
                        Interlocked.Increment(ref _requests);
                    }

                    await Task.Delay(1000, stop);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
                {
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
            }

            _http.Dispose();
            _stop.Dispose();
        }
    }
}
