using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using RnnCluster.Cluster.Hosting;
using RnnCluster.Cluster.Protocol;
using RnnCluster.Cluster.Serialization;

namespace RnnCluster.Cluster.Tests;

public sealed class SerializerTests
{
    public static TheoryData<Type> MessageTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var t in typeof(IClusterMessage).Assembly.GetTypes()
                     .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }))
        {
            data.Add(t);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Should_round_trip_every_message_type(Type type)
    {
        var message = Samples.Create(type);
        var manifest = MessageCodec.ManifestOf(message);
        var bytes = MessageCodec.Serialize(message);

        var back = MessageCodec.Deserialize(bytes, manifest);

        Assert.IsType(type, back);
        Assert.Equal(bytes, MessageCodec.Serialize(back));
        if (!Samples.HasArrays(type))
        {
            Assert.Equal(message, back);
        }
    }

    [Fact]
    public void Should_reject_an_unknown_manifest()
        => Assert.Throws<SerializationException>(() => MessageCodec.Deserialize(new byte[] { 0x90 }, "no-such-message"));

    [Fact]
    public void Should_reject_malformed_bytes_with_a_serialization_exception()
        => Assert.Throws<SerializationException>(() => MessageCodec.Deserialize(new byte[] { 0xc1, 0xff }, "sj"));

    [Fact]
    public void Should_carry_float_blocks_bit_exact_and_compact()
    {
        var values = new[] { 0f, -0f, float.NaN, BitConverter.Int32BitsToSingle(0x7fc12345), float.Epsilon, float.MaxValue, float.NegativeInfinity, 1.1f };
        var block = new TensorBlock(1, values);

        var back = (TensorBlock)MessageCodec.Deserialize(MessageCodec.Serialize(block), "tb");

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Values.Select(BitConverter.SingleToInt32Bits));
        var large = new TensorBlock(2, new float[100_000]);
        Assert.InRange(MessageCodec.Serialize(large).Length, 400_000, 400_040);
    }

    [Fact]
    public void Should_encode_a_view_of_part_of_a_buffer_like_an_array_of_its_values()
    {
        var weights = Enumerable.Range(0, 10).Select(i => i * 0.5f).ToArray();
        var update = new WeightUpdate("job-1", 4, new WeightPatch(false, weights.AsMemory(6), [1], weights.AsMemory(2, 2)));

        var bytes = MessageCodec.Serialize(update);
        var fromArrays = MessageCodec.Serialize(new WeightUpdate("job-1", 4, new WeightPatch(false, new[] { 3f, 3.5f, 4f, 4.5f }, [1], new[] { 1f, 1.5f })));
        weights.AsSpan().Clear();
        var back = (WeightUpdate)MessageCodec.Deserialize(bytes, "wu");

        Assert.Equal(fromArrays, bytes);
        Assert.Equal([3f, 3.5f, 4f, 4.5f], back.Patch.Dense.ToArray());
        Assert.Equal([1f, 1.5f], back.Patch.RowValues.ToArray());
    }

    [Fact]
    public void Should_decode_a_message_from_pieces_as_from_one_block()
    {
        var message = new TensorBlock(7, [.. Enumerable.Range(0, 1000).Select(i => (float)i)]);
        var bytes = MessageCodec.Serialize(message);
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (var offset = 0; offset < bytes.Length; offset += 333)
        {
            pieces.Add(bytes.AsMemory(offset, Math.Min(333, bytes.Length - offset)));
        }

        var back = (TensorBlock)MessageCodec.Deserialize(SequenceOfPieces.Join(pieces), "tb");

        Assert.Equal(message.Values, back.Values);
    }

    [Fact]
    public void Should_bind_the_marker_interface_to_the_serializer()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(ClusterConfig.Load(["serialization.conf"]));
        using var system = ActorSystem.Create("serialization-test", config);
        var serialization = system.Serialization;
        foreach (var type in MessageRegistry.Types)
        {
            var message = Samples.Create(type);
            var serializer = serialization.FindSerializerFor(message);
            Assert.IsType<ClusterMessageSerializer>(serializer);
            var bytes = serializer.ToBinary(message);
            var back = serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
            Assert.IsType(type, back);
        }
    }

    [Fact]
    public void Should_register_a_unique_manifest_for_every_message_type()
    {
        var types = typeof(IClusterMessage).Assembly.GetTypes().Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
        Assert.All(types, t => Assert.True(MessageRegistry.TryGetManifest(t, out _), $"{t.Name} has no manifest"));
        Assert.Equal(types.Count, types.Select(t => { MessageRegistry.TryGetManifest(t, out var m); return m; }).Distinct().Count());
    }

    /// <summary>Builds a sample instance of any message record from its primary constructor.</summary>
    private static class Samples
    {
        public static bool HasArrays(Type type) => type.GetProperties().Any(p => p.PropertyType.IsArray || p.PropertyType.IsGenericType || p.PropertyType == typeof(ShardAssignment) || p.PropertyType == typeof(WeightPatch)
            || p.PropertyType == typeof(KeyRangePlacement) || p.PropertyType == typeof(WireFloats) || p.PropertyType == typeof(SplitScores) || p.PropertyType == typeof(ClassifierScores));

        public static object Create(Type type)
        {
            if (MessageRegistry.TryGetSingleton(type, out var singleton))
            {
                return singleton;
            }

            var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            return ctor.Invoke([.. ctor.GetParameters().Select((p, i) => Value(p.ParameterType, i))]);
        }

        private static object? Value(Type t, int i)
        {
            var nullable = Nullable.GetUnderlyingType(t);
            t = nullable ?? t;
            return t switch
            {
                _ when t == typeof(string) => $"s{i}-ü",
                _ when t == typeof(int) => 3 + i,
                _ when t == typeof(long) => long.MaxValue - i,
                _ when t == typeof(ulong) => ulong.MaxValue - (ulong)i,
                _ when t == typeof(float) => 0.25f + i,
                _ when t == typeof(double) => Math.PI + i,
                _ when t == typeof(bool) => true,
                _ when t == typeof(float[]) => new[] { 1.5f, -0f, float.NaN, i },
                _ when t == typeof(int[]) => new[] { 1, -2, int.MaxValue, i },
                _ when t == typeof(double[]) => new[] { 0.5, -0.0, double.MaxValue, i },
                _ when t == typeof(long[]) => new[] { 1L, long.MinValue, long.MaxValue, i },
                _ when t == typeof(long[][]) => new[] { new[] { 3L, 0L }, new[] { 1L, (long)i } },
                _ when t == typeof(string[]) => new[] { "a", $"s{i}-ü" },
                _ when t == typeof(byte[]) => new byte[] { 1, 2, 3, (byte)i },
                _ when t == typeof(ReadOnlyMemory<float>) => (ReadOnlyMemory<float>)new[] { 9f, 1.5f, -0f, float.NaN, i, 9f }.AsMemory(1, 4),
                _ when t == typeof(ReadOnlyMemory<byte>) => (ReadOnlyMemory<byte>)new byte[] { 9, 1, 2, 3, (byte)i, 9 }.AsMemory(1, 4),
                _ when t == typeof(WireFloats) => (i % 3) switch
                {
                    0 => WireFloats.Dense(new[] { 1.5f, -0f, float.NaN, i }),
                    1 => WireFloats.Dense(new[] { 1.5f, -0f, 0.25f, i }, WireEncoding.BFloat16),
                    _ => WireFloats.Sparse(10, [1, 4, 9], new[] { 2f, -3f, i }),
                },
                _ when t == typeof(IReadOnlyList<string>) => new[] { "a", "b" },
                _ when t == typeof(IReadOnlyList<MemberStatus>) => new[] { (MemberStatus)Create(typeof(MemberStatus)) },
                _ when t == typeof(IReadOnlyList<JobStatus>) => new[] { (JobStatus)Create(typeof(JobStatus)) },
                _ when t.GetConstructors().Length > 0 && (t.Namespace == typeof(IClusterMessage).Namespace || t.Namespace == typeof(Core.Training.ProgressReport).Namespace) => Create(t),
                _ => throw new InvalidOperationException($"no sample value for {t}: extend the test"),
            };
        }
    }
}
