using Akka.Event;
using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cluster.Tests;

public class StandardErrorLoggerTests
{
    [Fact]
    public void A_warning_with_a_stack_trace_prints_as_one_line_without_its_frames()
    {
        var warning = new Warning("akka.tcp://rnncluster@127.0.0.1:4053/system/endpointManager", typeof(StandardErrorLoggerTests),
            "Association with remote system akka.tcp://rnncluster@127.0.0.1:4060 has failed; address is now gated for 5000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated\n   at Akka.Remote.EndpointWriter.PublishAndThrow(Exception reason, LogLevel level, Boolean needToThrow)\n   at Akka.Actor.ActorCell.HandleInvokeFailure(Exception cause)\n--- End of stack trace from previous location ---\n]");

        var line = StandardErrorLogger.OneLine(warning);

        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain(" at Akka.", line, StringComparison.Ordinal);
        Assert.Contains("has failed; address is now gated for 5000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated ]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_with_another_cause_keeps_its_stack_trace()
    {
        Exception cause;
        try
        {
            throw new InvalidOperationException("a bug");
        }
        catch (InvalidOperationException e)
        {
            cause = e;
        }

        var line = StandardErrorLogger.OneLine(new Error(cause, "source", typeof(StandardErrorLoggerTests), "failed"));

        Assert.Contains(" at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transport_codec_error_prints_as_one_line()
    {
        Exception cause;
        try
        {
            throw new DotNetty.Codecs.TooLongFrameException("Adjusted frame length exceeds 2097152: 16843546 - discarded");
        }
        catch (DotNetty.Codecs.TooLongFrameException e)
        {
            cause = e;
        }

        var line = StandardErrorLogger.OneLine(new Error(cause, "akka.tcp://rnncluster@127.0.0.1:4053/system/transports", typeof(StandardErrorLoggerTests), "Error caught channel"));

        Assert.DoesNotContain('\n', line);
        Assert.Contains("Adjusted frame length exceeds 2097152", line, StringComparison.Ordinal);
    }
}
