using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RnnCluster.EndToEnd.Tests;

/// <summary>
/// The dashboard of a real `local` cluster, in a real browser: live points appear on the job page while
/// the job trains; the JSON API and Prometheus /metrics answer; the page is read-only by default.
/// </summary>
public sealed partial class DashboardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Where the test keeps its screenshot (a test artifact).</summary>
    public static string ArtifactDirectory => Path.Combine(AppContext.BaseDirectory, "artifacts");

    [GeneratedRegex("id=\"chart-perplexity\"[^>]*data-points=\"(\\d+)\"")]
    private static partial Regex PerplexityPoints();

    [GeneratedRegex("id=\"summary-state\">state: (\\w+)<")]
    private static partial Regex SummaryState();

    // A Prometheus text-format sample line: name, optional labels, a value (float, +Inf, -Inf or NaN), optional timestamp.
    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? (-?[0-9.eE+-]+|\\+Inf|-Inf|NaN)( -?\\d+)?$")]
    private static partial Regex PrometheusSample();

    [Fact]
    public async Task Job_page_shows_live_curves_in_a_browser_and_the_api_and_metrics_answer()
    {
        using var directory = new TempDirectory();

        // Far longer than the test, whatever the machine's speed: the job runs while the pages are read
        // and is cancelled at the end (a job that completed would take the dashboard down with `local`).
        using var local = CliProcess.Start(
        [
            "local", "--workers", "2", "--json", "--http-port", "0", "--log-dir", directory.File("runs"),
            "--hidden", "48", "--epochs", "200", "--builtin-train-tokens", "150000", "--batch", "20", "--bptt", "20",
        ]);
        var coordinator = await local.WaitForEventAsync("node", n => n.GetProperty("role").GetString() == "coordinator", Timeout);
        var dashboard = new Uri(coordinator.GetProperty("dashboard").GetString()!);
        await local.WaitForEventAsync("progress", p => p.GetProperty("step").GetInt64() >= 20, Timeout);
        var jobPage = new Uri(dashboard, "jobs/job-1");

        var first = await Chromium.DumpDomAsync(jobPage, 3000);
        var firstPoints = int.Parse(PerplexityPoints().Match(first).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(firstPoints > 0, $"no points on the perplexity chart: {first[..Math.Min(first.Length, 2000)]}");
        Assert.Equal("running", SummaryState().Match(first).Groups[1].Value);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Directory.CreateDirectory(ArtifactDirectory);
        var screenshot = Path.Combine(ArtifactDirectory, "dashboard-job.png");
        await Chromium.ScreenshotAsync(jobPage, screenshot, 3000);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is (nearly) empty");
        var second = await Chromium.DumpDomAsync(jobPage, 3000);
        var secondPoints = int.Parse(PerplexityPoints().Match(second).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(secondPoints > firstPoints, $"no live points: {firstPoints}, then {secondPoints}");
        foreach (var chart in new[] { "chart-throughput", "chart-workers", "chart-step-time", "chart-bytes" })
        {
            Assert.Matches($"id=\"{chart}\"[^>]*data-points=\"[1-9]", second);
        }

        using var http = new HttpClient { BaseAddress = dashboard, Timeout = TimeSpan.FromSeconds(30) };
        var cluster = JsonDocument.Parse(await http.GetStringAsync("api/cluster")).RootElement;
        Assert.Equal(3, cluster.GetProperty("members").GetArrayLength());
        Assert.All(cluster.GetProperty("members").EnumerateArray(), m =>
        {
            Assert.True(m.GetProperty("reachable").GetBoolean());
            Assert.True(m.GetProperty("resident_mb").GetDouble() > 10);
        });
        var jobs = JsonDocument.Parse(await http.GetStringAsync("api/jobs")).RootElement;
        Assert.False(jobs.GetProperty("cancel_allowed").GetBoolean());
        Assert.Equal("job-1", jobs.GetProperty("jobs")[0].GetProperty("id").GetString());
        var metrics = JsonDocument.Parse(await http.GetStringAsync("api/jobs/job-1/metrics?after=0")).RootElement;
        var records = metrics.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal("start", records[0].GetProperty("kind").GetString());
        Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long)i), records.Select(r => r.GetProperty("seq").GetInt64()));
        var later = JsonDocument.Parse(await http.GetStringAsync($"api/jobs/job-1/metrics?after={metrics.GetProperty("last").GetInt64()}")).RootElement;
        Assert.All(later.GetProperty("records").EnumerateArray(), r => Assert.True(r.GetProperty("seq").GetInt64() > records.Count));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/jobs/job-9/metrics")).StatusCode);
        var badAfter = await http.GetAsync("api/jobs/job-1/metrics?after=abc");
        Assert.Equal(HttpStatusCode.BadRequest, badAfter.StatusCode);
        Assert.Contains("after=abc", await badAfter.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync("api/jobs/job-1/cancel", null)).StatusCode);

        var exposition = await http.GetStringAsync("metrics");
        var samples = exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith('#')).ToList();
        Assert.All(samples, line => Assert.Matches(PrometheusSample(), line));
        foreach (var series in new[] { "rnncluster_job_steps_total{job=\"job-1\"}", "rnncluster_job_tokens_per_second{job=\"job-1\"}", "rnncluster_job_step_duration_seconds_bucket", "process_working_set_bytes", "process_cpu_seconds_total" })
        {
            Assert.Contains(samples, line => line.StartsWith(series, StringComparison.Ordinal));
        }

        using var cancel = await CliProcess.RunAsync(Timeout, "cancel", "job-1", "--contact", $"127.0.0.1:{coordinator.GetProperty("port").GetInt32()}");
        Assert.True(cancel.ExitCode == 0, cancel.Describe());
        Assert.True(await local.WaitForExitAsync(Timeout) == 3, local.Describe()); // `local`'s code for a cancelled job (2: a command line that cannot be parsed)
    }

    [Fact]
    public async Task Cancel_needs_the_flag_and_a_header_no_other_site_can_send()
    {
        using var node = CliProcess.Start(
        [
            "node", "--json", "--host", "127.0.0.1", "--port", "0", "--roles", "coordinator", "--http-port", "0", "--http-allow-cancel",
            "--log-dir", "none", "--exit-on-stdin-close",
        ]);
        try
        {
            var started = await node.WaitForEventAsync("node", _ => true, Timeout);
            using var http = new HttpClient { BaseAddress = new Uri(started.GetProperty("dashboard").GetString()!), Timeout = TimeSpan.FromSeconds(30) };
            Assert.True(JsonDocument.Parse(await http.GetStringAsync("api/jobs")).RootElement.GetProperty("cancel_allowed").GetBoolean());

            var crossSite = await http.PostAsync("api/jobs/job-1/cancel", new StringContent("x"));
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
            Assert.Contains("X-Requested-By", await crossSite.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var request = new HttpRequestMessage(HttpMethod.Post, "api/jobs/job-1/cancel");
            request.Headers.Add("X-Requested-By", "test");
            var unknown = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            var error = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
            Assert.Equal("no job 'job-1' on this cluster (GET /api/jobs lists them)", error);
        }
        finally
        {
            node.CloseInput();
            await node.WaitForExitAsync(Timeout);
        }
    }
}
