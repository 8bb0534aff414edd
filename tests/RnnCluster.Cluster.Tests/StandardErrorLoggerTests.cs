using Akka.Event;
using RnnCluster.Cluster.Hosting;

namespace RnnCluster.Cluster.Tests;

public class StandardErrorLoggerTests
{
    [Fact]
    public void Any_line_names_an_IPv4_peer_of_a_dual_stack_listener_as_IPv4()
    {
        var closed = new Warning("DotNettyTransport (akka://rnncluster)", typeof(StandardErrorLoggerTests),
            "Channel closed by the remote peer. Channel [[::ffff:127.0.0.1]:41442->[::ffff:127.0.0.1]:4053](Id=0b)");

        var line = StandardErrorLogger.OneLine(closed);

        Assert.NotNull(line);
        Assert.Contains("Channel [127.0.0.1:41442->127.0.0.1:4053]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("::ffff:", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warning_with_a_stack_trace_prints_as_one_line_without_its_frames()
    {
        var warning = new Warning("akka.tcp://rnncluster@127.0.0.1:4053/system/endpointManager", typeof(StandardErrorLoggerTests),
            "Association with remote system akka.tcp://rnncluster@127.0.0.1:4060 has failed; address is now gated for 5000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated\n   at Akka.Remote.EndpointWriter.PublishAndThrow(Exception reason, LogLevel level, Boolean needToThrow)\n   at Akka.Actor.ActorCell.HandleInvokeFailure(Exception cause)\n--- End of stack trace from previous location ---\n]");

        var line = StandardErrorLogger.OneLine(warning)!;

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

        var line = StandardErrorLogger.OneLine(new Error(cause, "source", typeof(StandardErrorLoggerTests), "failed"))!;

        Assert.Contains(" at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transport_codec_error_prints_as_one_line()
    {
        Exception cause;
        try
        {
            throw new DotNetty.Codecs.CorruptedFrameException("negative pre-adjustment length field: -3");
        }
        catch (DotNetty.Codecs.CorruptedFrameException e)
        {
            cause = e;
        }

        var line = StandardErrorLogger.OneLine(new Error(cause, "akka.tcp://rnncluster@127.0.0.1:4053/system/transports", typeof(StandardErrorLoggerTests), "Error caught channel"))!;

        Assert.DoesNotContain('\n', line);
        Assert.Contains("negative pre-adjustment length field: -3", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_without_tls_refused_by_a_tls_node_is_one_line_naming_the_peer()
    {
        const string channel = "[[::ffff:127.0.0.1]:4601->[::ffff:127.0.0.1]:44418](Id=16247385)";
        var codec = new Error(new InvalidOperationException("not an SSL/TLS record: 3100"), "TcpServerHandler (akka://rnncluster)", typeof(StandardErrorLoggerTests), $"Error caught channel {channel}");
        var handshake = new Error(null, "TcpServerHandler (akka://rnncluster)", typeof(StandardErrorLoggerTests), $"TLS handshake failed on channel {channel}\nError: not an SSL/TLS record: 3100\nTroubleshooting: …");
        var rejected = new Warning("TcpServerHandler (akka://rnncluster)", typeof(StandardErrorLoggerTests), "Rejected incoming connection from [[::ffff:127.0.0.1]:44418] due to TLS handshake failure. This is likely invalid or malicious traffic.");
        var callback = new Error(null, "TcpServerHandler (akka://rnncluster)", typeof(StandardErrorLoggerTests), $"TLS handshake failed on channel {channel}\nError: The remote certificate was rejected by the provided RemoteCertificateValidationCallback.");

        Assert.Null(StandardErrorLogger.OneLine(codec));
        Assert.Null(StandardErrorLogger.OneLine(rejected));
        Assert.Null(StandardErrorLogger.OneLine(callback)); // the certificate check logged the refusal and its reason
        Assert.EndsWith("] TLS: refused the remoting connection of 127.0.0.1:44418: it does not speak TLS (a node or client started without --tls)", StandardErrorLogger.OneLine(handshake), StringComparison.Ordinal);
        Assert.StartsWith("[WARNING]", StandardErrorLogger.OneLine(handshake), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tls_hello_on_a_plain_port_and_a_client_without_a_certificate_are_one_line_each()
    {
        var hello = new Error(new DotNetty.Codecs.TooLongFrameException("Adjusted frame length exceeds 2097152: 16843546 - discarded"), "TcpServerHandler (akka://rnncluster)", typeof(StandardErrorLoggerTests),
            "Error caught channel [[::ffff:127.0.0.1]:4602->[::ffff:127.0.0.1]:58796](Id=0a)");
        var noCertificate = new Warning("TcpTransport (akka://rnncluster)", typeof(StandardErrorLoggerTests), "Mutual TLS required but client did not provide a certificate from [::ffff:127.0.0.1]:37154");

        Assert.Contains("refused the remoting connection of 127.0.0.1:58796: it sent a TLS handshake or other bytes that are not remoting frames", StandardErrorLogger.OneLine(hello), StringComparison.Ordinal);
        Assert.EndsWith("TLS: refused the remoting connection of 127.0.0.1:37154: it presented no certificate (a node or client without --tls checking whether this node speaks TLS)", StandardErrorLogger.OneLine(noCertificate), StringComparison.Ordinal);
    }

    [Fact]
    public void A_clients_connection_that_ends_is_not_logged_but_a_nodes_is()
    {
        const string client = "akka.ssl.tcp://rnncluster-client@127.0.0.1:45385";
        var gated = new Warning($"akka.ssl.tcp://rnncluster@127.0.0.1:14600/system/endpointManager/reliableEndpointWriter-akka.ssl.tcp%3A%2F%2Frnncluster-client%40127.0.0.1%3A45385-4", typeof(StandardErrorLoggerTests),
            $"Association with remote system {client} has failed; address is now gated for 2000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated");
        var writer = new Error(new InvalidOperationException("Disassociated"), "akka://rnncluster/system/endpointManager/reliableEndpointWriter-akka.ssl.tcp%3A%2F%2Frnncluster-client%40127.0.0.1%3A45385-4/endpointWriter", typeof(StandardErrorLoggerTests), "Disassociated");
        var node = new Warning("akka.tcp://rnncluster@127.0.0.1:14600/system/endpointManager/reliableEndpointWriter-akka.tcp%3A%2F%2Frnncluster%40127.0.0.1%3A4054-4", typeof(StandardErrorLoggerTests),
            "Association with remote system akka.tcp://rnncluster@127.0.0.1:4054 has failed; address is now gated for 2000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated");

        Assert.Null(StandardErrorLogger.OneLine(gated));
        Assert.Null(StandardErrorLogger.OneLine(writer));
        Assert.Contains("rnncluster@127.0.0.1:4054 has failed", StandardErrorLogger.OneLine(node), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_repeated_for_one_host_within_10_s_prints_once()
    {
        var last = new Dictionary<string, DateTime>();
        var t = new DateTime(2026, 12, 3, 7, 0, 0, DateTimeKind.Utc);
        const string plain = "[WARNING][…][TcpServerHandler (akka://rnncluster)] TLS: refused the remoting connection of 127.0.0.1:50314: it does not speak TLS (a node or client started without --tls)";
        const string probe = "[WARNING][…][TcpTransport (akka://rnncluster)] TLS: refused the remoting connection of 127.0.0.1:43798: it presented no certificate (a node or client without --tls checking whether this node speaks TLS)";
        const string otherCa = "[WARNING][…] TLS: refused the remoting connection of 127.0.0.1:41000: its certificate 'CN=RnnCluster node' is not signed by this cluster's CA (…)";
        const string otherHost = "[WARNING][…] TLS: refused the remoting connection of 10.0.0.7:50314: it does not speak TLS (a node or client started without --tls)";

        Assert.False(StandardErrorLogger.RepeatsRefusal(plain, t, last));
        Assert.True(StandardErrorLogger.RepeatsRefusal(probe, t.AddSeconds(4), last)); // the same node's probe: the same reason
        Assert.False(StandardErrorLogger.RepeatsRefusal(otherCa, t.AddSeconds(5), last)); // another reason
        Assert.False(StandardErrorLogger.RepeatsRefusal(otherHost, t.AddSeconds(5), last)); // another host
        Assert.False(StandardErrorLogger.RepeatsRefusal(plain, t.AddSeconds(11), last)); // 10 s after the line printed
        Assert.False(StandardErrorLogger.RepeatsRefusal("[INFO][…] Cluster Node [akka.tcp://rnncluster@127.0.0.1:4053] - Started up successfully", t, last));
    }

    [Fact]
    public void A_message_for_another_name_of_this_node_is_one_warning_once_per_address()
    {
        var dropped = new Error(null, "akka.tcp://rnncluster@127.0.0.1:15001/system/endpointManager/endpointWriter", typeof(StandardErrorLoggerTests),
            "Dropping message [Akka.Actor.ActorSelectionMessage] for non-local recipient [[akka.ssl.tcp://rnncluster@localhost:15001/]] arriving at [akka.ssl.tcp://rnncluster@localhost:15001] inbound addresses [akka.ssl.tcp://rnncluster@127.0.0.1:15001]");

        var line = StandardErrorLogger.OneLine(dropped)!;

        Assert.StartsWith("[WARNING]", line, StringComparison.Ordinal);
        Assert.EndsWith("] dropped messages addressed to akka.ssl.tcp://rnncluster@localhost:15001: this node answers only as akka.ssl.tcp://rnncluster@127.0.0.1:15001, the address it advertises (its --public-host, else --host); a client or node must name it so", line, StringComparison.Ordinal);
        var last = new Dictionary<string, DateTime>();
        var t = new DateTime(2026, 12, 3, 8, 0, 0, DateTimeKind.Utc);
        Assert.False(StandardErrorLogger.RepeatsRefusal(line, t, last));
        Assert.True(StandardErrorLogger.RepeatsRefusal(line, t.AddSeconds(3), last));
        Assert.False(StandardErrorLogger.RepeatsRefusal(line, t.AddSeconds(12), last));
    }
}
