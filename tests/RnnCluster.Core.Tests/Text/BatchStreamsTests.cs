using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class BatchStreamsTests
{
    private static int[] Sequence(int n) => [.. Enumerable.Range(0, n)];

    [Fact]
    public void Cuts_contiguous_streams_and_drops_the_remainder()
    {
        var streams = new BatchStreams(Sequence(23), 4);

        Assert.Equal(4, streams.Batch);
        Assert.Equal(5, streams.StreamLength);
        Assert.Equal([0, 1, 2, 3, 4], streams.Stream(0).ToArray());
        Assert.Equal([15, 16, 17, 18, 19], streams.Stream(3).ToArray());
    }

    [Fact]
    public void Last_window_is_shorter()
    {
        // L = 11: 10 predicted tokens per stream in windows of 4, 4 and 2 steps.
        var streams = new BatchStreams(Sequence(33), 3);

        Assert.Equal(3, streams.WindowCount(4));
        Assert.Equal([4, 4, 2], Enumerable.Range(0, 3).Select(w => streams.WindowSteps(w, 4)));
        Assert.Equal(30, streams.TokensPerEpoch(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => streams.WindowSteps(3, 4));
    }

    [Fact]
    public void Window_count_is_exact_when_bptt_divides()
    {
        var streams = new BatchStreams(Sequence(21), 2);

        Assert.Equal(10, streams.StreamLength);
        Assert.Equal(3, streams.WindowCount(3));
        Assert.Equal(3, streams.WindowSteps(2, 3));
    }

    [Fact]
    public void Fills_time_major_inputs_and_next_token_targets()
    {
        var streams = new BatchStreams(Sequence(30), 3); // streams 0..9, 10..19, 20..29
        var inputs = new int[6];
        var targets = new int[6];

        streams.FillWindow(1, 3, 1, 2, inputs, targets);

        Assert.Equal([13, 23, 14, 24, 15, 25], inputs);
        Assert.Equal([14, 24, 15, 25, 16, 26], targets);
    }

    [Fact]
    public void Every_token_but_the_first_of_each_stream_is_a_target_once_per_epoch()
    {
        const int Batch = 5;
        const int Bptt = 7;
        var streams = new BatchStreams(Sequence(503), Batch);
        var seen = new int[503];
        var total = 0;
        for (var w = 0; w < streams.WindowCount(Bptt); w++)
        {
            var n = streams.WindowSteps(w, Bptt) * Batch;
            var inputs = new int[n];
            var targets = new int[n];
            streams.FillWindow(w, Bptt, 0, Batch, inputs, targets);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(inputs[i] + 1, targets[i]);
                seen[targets[i]]++;
            }

            total += n;
        }

        Assert.Equal(streams.TokensPerEpoch(Bptt), total);
        for (var token = 0; token < 503; token++)
        {
            var expected = token < Batch * streams.StreamLength && token % streams.StreamLength != 0 ? 1 : 0;
            Assert.Equal(expected, seen[token]);
        }
    }

    [Fact]
    public void From_streams_matches_the_slice_of_the_full_streams()
    {
        var full = new BatchStreams(Sequence(64), 4);
        var share = BatchStreams.FromStreams([full.Stream(2).ToArray(), full.Stream(3).ToArray()]);
        const int Bptt = 5;

        Assert.Equal(full.WindowCount(Bptt), share.WindowCount(Bptt));
        for (var w = 0; w < full.WindowCount(Bptt); w++)
        {
            var n = full.WindowSteps(w, Bptt) * 2;
            int[] fullInputs = new int[n], fullTargets = new int[n], shareInputs = new int[n], shareTargets = new int[n];
            full.FillWindow(w, Bptt, 2, 2, fullInputs, fullTargets);
            share.FillWindow(w, Bptt, 0, 2, shareInputs, shareTargets);

            Assert.Equal(fullInputs, shareInputs);
            Assert.Equal(fullTargets, shareTargets);
        }
    }

    [Fact]
    public void From_streams_rejects_unequal_lengths()
    {
        Assert.Throws<ArgumentException>(() => BatchStreams.FromStreams([[1, 2, 3], [4, 5]]));
    }

    [Fact]
    public void Fill_window_checks_span_lengths_and_stream_range()
    {
        var streams = new BatchStreams(Sequence(30), 3);

        Assert.Throws<ArgumentException>(() => streams.FillWindow(0, 3, 0, 3, new int[8], new int[9]));
        Assert.Throws<ArgumentException>(() => streams.FillWindow(0, 3, 0, 3, new int[10], new int[10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => streams.FillWindow(0, 3, 2, 2, new int[6], new int[6]));
    }

    [Fact]
    public void Streams_too_short_to_predict_have_no_windows()
    {
        var streams = new BatchStreams(Sequence(5), 4);

        Assert.Equal(1, streams.StreamLength);
        Assert.Equal(0, streams.WindowCount(3));
        Assert.Equal(0, streams.TokensPerEpoch(3));
    }

    [Fact]
    public void Tokens_in_the_first_windows_add_up_to_the_epoch()
    {
        var streams = new BatchStreams([.. Enumerable.Range(0, 103)], 4); // 4 streams of 25: 24 predicted each
        Assert.Equal(0, streams.TokensInWindows(0, 5));
        Assert.Equal(2 * 5 * 4, streams.TokensInWindows(2, 5));
        Assert.Equal(streams.TokensPerEpoch(5), streams.TokensInWindows(streams.WindowCount(5), 5));
        Assert.Equal(streams.TokensPerEpoch(5), streams.TokensInWindows(99, 5));
    }
}
