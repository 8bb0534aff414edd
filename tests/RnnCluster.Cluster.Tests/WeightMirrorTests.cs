using RnnCluster.Cluster.Actors;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;
using RnnCluster.Core.Numerics;
using RnnCluster.Core.Training;

namespace RnnCluster.Cluster.Tests;

public sealed class WeightMirrorTests
{
    private const int Rows = 6, H = 4, Dense = 10, Size = (Rows * H) + Dense;

    [Theory]
    [InlineData(CompressionKind.BFloat16)]
    [InlineData(CompressionKind.Float16)]
    public void Replicas_fed_16_bit_deltas_equal_the_mirror_bit_for_bit_and_track_the_weights(CompressionKind kind)
    {
        var rng = new Rng(11);
        var weights = Enumerable.Range(0, Size).Select(_ => rng.NextFloat(-0.1f, 0.1f)).ToArray();
        var mirror = new WeightMirror(Size, Rows * H, H, kind);
        mirror.Reset(weights, 0);
        var replica = new WeightReplica("job");
        Assert.True(replica.Apply(Encoded(new WeightUpdate("job", 0, mirror.Full()))));

        var fullReplica = new WeightReplica("job");
        for (var version = 1; version <= 200; version++)
        {
            // An SGD-like step: small changes, the dense part and two embedding rows.
            int[] rows = [version % Rows, (version + 3) % Rows];
            for (var i = Rows * H; i < Size; i++)
            {
                weights[i] -= 1e-4f * rng.NextFloat(-1, 1);
            }

            foreach (var row in rows)
            {
                for (var j = 0; j < H; j++)
                {
                    weights[(row * H) + j] -= 1e-4f * rng.NextFloat(-1, 1);
                }
            }

            mirror.Advance(weights, version, rows);
            var delta = Encoded(new WeightUpdate("job", version, mirror.Delta()));
            Assert.True(delta.Patch.Additive);
            Assert.True(replica.Apply(delta));
            Assert.True(fullReplica.Apply(Encoded(new WeightUpdate("job", version, mirror.Full()))));
        }

        var held = mirror.Full().Dense.ToArray();
        Assert.Equal(held, replica.Weights);      // the bits the server believes every worker has
        Assert.Equal(held, fullReplica.Weights);  // a joiner gets the same bits
        // Without the mirror, 16-bit weights would freeze: steps of 1e-4 are below a 0.1 weight's last bit.
        var bound = kind == CompressionKind.BFloat16 ? 0.1 * Math.Pow(2, -8) : 0.1 * Math.Pow(2, -11);
        for (var i = 0; i < Size; i++)
        {
            Assert.InRange(Math.Abs(held[i] - weights[i]), 0, bound + 1e-7);
        }
    }

    [Fact]
    public void Every_row_goes_when_the_step_may_have_changed_every_row()
    {
        var weights = new float[Size];
        var mirror = new WeightMirror(Size, Rows * H, H, CompressionKind.BFloat16);
        mirror.Reset(weights, 3);
        Array.Fill(weights, 0.5f);

        mirror.Advance(weights, 4, rows: null);

        Assert.Equal(Enumerable.Range(0, Rows), mirror.Delta().Rows);
        Assert.Throws<InvalidOperationException>(() => mirror.Advance(weights, 6, null));
    }

    private static WeightUpdate Encoded(WeightUpdate update)
        => (WeightUpdate)MessageCodec.Deserialize(MessageCodec.Serialize(update), MessageCodec.ManifestOf(update));
}
