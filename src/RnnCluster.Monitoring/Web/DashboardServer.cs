using System.Net;
using System.Reflection;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using RnnCluster.Monitoring.Metrics;

namespace RnnCluster.Monitoring.Web;

/// <summary>
/// A coordinator node's HTTP server (Kestrel): the dashboard's pages (<c>/</c>, <c>/jobs/{id}</c>) and
/// their scripts, served from this assembly (no network access at run time); the JSON API behind them
/// (<c>/api/cluster</c>, <c>/api/jobs</c>, <c>/api/jobs/{id}/metrics?after=SEQ</c>,
/// <c>POST /api/jobs/{id}/cancel</c> when allowed); and Prometheus's <c>/metrics</c>.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The dashboard's address as other machines reach it (the node's advertised host, the bound port).</summary>
    public Uri Url { get; }

    /// <summary>
    /// Binds <paramref name="bindHost"/>:<paramref name="port"/> (0: a free port) and starts serving.
    /// Throws <see cref="IOException"/> when the port cannot be bound (e.g. in use).
    /// </summary>
    /// <remarks>It starts before the node's actor system (so a port conflict fails the start before any
    /// Akka logging); API requests wait for <paramref name="node"/>.</remarks>
    public static async Task<DashboardServer> StartAsync(Task<ActorSystem> node, JobMetricsStore store, string bindHost, string advertisedHost, int port, bool allowCancel)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(DashboardServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders(); // a node's standard output is its one `node` line
        builder.WebHost.UseKestrel(options => options.Listen(Endpoint(bindHost, port)));
        var app = builder.Build();
        var view = new ClusterView(node);
        MapPages(app);
        MapApi(app, view, store, allowCancel);
        app.MapMetrics("/metrics");
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var boundPort = new Uri(bound).Port;
        return new DashboardServer(app, new UriBuilder("http", advertisedHost.Contains(':') ? $"[{advertisedHost}]" : advertisedHost, boundPort, "/").Uri);
    }

    private static IPEndPoint Endpoint(string host, int port)
    {
        if (host is "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (host is "::" or "[::]")
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        return new IPEndPoint(IPAddress.TryParse(host, out var address) ? address : Dns.GetHostAddresses(host).First(), port);
    }

    private static void MapPages(WebApplication app)
    {
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/jobs/{id}", (string id) => Asset("job.html"));
        app.MapGet("/assets/{name}", (string name) => Asset(name));
    }

    private static IResult Asset(string name)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"dashboard/{name}");
        if (stream is null)
        {
            return Results.NotFound();
        }

        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }

    private static void MapApi(WebApplication app, ClusterView view, JobMetricsStore store, bool allowCancel)
    {
        app.MapGet("/api/cluster", async () => Results.Json(await view.MembersAsync(), Core.Checkpoints.MetricsJson.SnakeCase));
        app.MapGet("/api/jobs", async () =>
        {
            try
            {
                var status = await view.StatusAsync();
                return Results.Json(new { cancel_allowed = allowCancel, jobs = status.Jobs }, Core.Checkpoints.MetricsJson.SnakeCase);
            }
            catch (TimeoutException e)
            {
                return Results.Json(new { error = e.Message }, Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        app.MapGet("/api/jobs/{id}/metrics", (string id, string? after) =>
        {
            long from = 0;
            if (!string.IsNullOrEmpty(after) && !long.TryParse(after, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out from))
            {
                return Results.Json(new { error = $"after={after}: expected a record number (an integer, 0 for all)" }, Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status400BadRequest);
            }

            if (store.After(id, from) is not { } found)
            {
                return Results.Json(new { error = $"no metrics for job {Core.Text.QuotedText.Quote(id)} on this coordinator" }, Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status404NotFound);
            }

            return Results.Json(new { job = id, last = found.Last, records = found.Records.Select(r => new SequencedRecord(r.Seq, r.Record)) }, Core.Checkpoints.MetricsJson.SnakeCase);
        });
        app.MapPost("/api/jobs/{id}/cancel", async (string id, HttpRequest request) =>
        {
            if (!allowCancel)
            {
                return Results.Json(new { error = "the dashboard is read-only; start the coordinator with --http-allow-cancel to cancel jobs from it" },
                    Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status403Forbidden);
            }

            // A custom header cannot be sent cross-site without the browser asking first (CORS), which
            // this server never allows: a page on another site cannot cancel jobs through the user's browser.
            if (string.IsNullOrEmpty(request.Headers["X-Requested-By"]))
            {
                return Results.Json(new { error = "cancel needs the header X-Requested-By (e.g. X-Requested-By: rnncluster-dashboard)" },
                    Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status403Forbidden);
            }

            try
            {
                if (await view.CancelAsync(id))
                {
                    return Results.Json(new { job = id, cancelled = true }, Core.Checkpoints.MetricsJson.SnakeCase);
                }

                // Not cancelled: 409 for a job that has ended, 404 for one the supervisor does not know.
                var quoted = Core.Text.QuotedText.Quote(id);
                return (await view.StatusAsync()).Jobs.FirstOrDefault(j => j.Id == id) is { } job
                    ? Results.Json(new { error = $"job {quoted} has already ended ({job.State}): there is nothing to cancel" }, Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status409Conflict)
                    : Results.Json(new { error = $"no job {quoted} on this cluster (GET /api/jobs lists them)" }, Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status404NotFound);
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException)
            {
                return Results.Json(new { error = "the job supervisor did not answer" }, Core.Checkpoints.MetricsJson.SnakeCase, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A record with its sequence number first (the API's wire form).</summary>
    private sealed record SequencedRecord(long Seq, [property: System.Text.Json.Serialization.JsonIgnore] MetricsRecord Record)
    {
        [System.Text.Json.Serialization.JsonExtensionData]
        public Dictionary<string, System.Text.Json.JsonElement> Fields =>
            System.Text.Json.JsonSerializer.SerializeToElement(Record, Core.Checkpoints.MetricsJson.SnakeCase).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }
}
