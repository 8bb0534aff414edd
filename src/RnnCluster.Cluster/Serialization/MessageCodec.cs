using System.Buffers;
using System.Runtime.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// MessagePack encoding of <see cref="Protocol.IClusterMessage"/>s: attribute-described records, the Core
/// records job events carry, raw array blocks, untrusted-data mode (the bytes come off the network).
/// </summary>
public static class MessageCodec
{
    public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(
            [FloatArrayFormatter.Instance, FloatMemoryFormatter.Instance, IntArrayFormatter.Instance, WireFloatsFormatter.Instance],
            [CoreRecordResolver.Instance, StandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    public static string ManifestOf(object message) => MessageRegistry.TryGetManifest(message.GetType(), out var manifest)
        ? manifest
        : throw new SerializationException($"{message.GetType()} is not a registered cluster message");

    public static byte[] Serialize(object message)
    {
        var type = RequireRegistered(message);
        return MessageRegistry.TryGetSingleton(type, out _) ? [] : MessagePackSerializer.Serialize(type, message, Options);
    }

    /// <summary>Appends the encoding of <paramref name="message"/> to <paramref name="writer"/>.</summary>
    public static void Serialize(object message, IBufferWriter<byte> writer)
    {
        var type = RequireRegistered(message);
        if (!MessageRegistry.TryGetSingleton(type, out _))
        {
            MessagePackSerializer.Serialize(type, writer, message, Options);
        }
    }

    /// <summary>Throws <see cref="SerializationException"/> for an unknown manifest or malformed bytes.</summary>
    public static object Deserialize(ReadOnlyMemory<byte> bytes, string manifest) => Deserialize(new ReadOnlySequence<byte>(bytes), manifest);

    /// <summary>As <see cref="Deserialize(ReadOnlyMemory{byte}, string)"/>, from bytes in pieces (reassembled chunks).</summary>
    public static object Deserialize(ReadOnlySequence<byte> bytes, string manifest)
    {
        if (!MessageRegistry.TryGetType(manifest, out var type))
        {
            throw new SerializationException($"unknown message manifest '{manifest}'");
        }

        if (MessageRegistry.TryGetSingleton(type, out var singleton))
        {
            return singleton;
        }

        try
        {
            return MessagePackSerializer.Deserialize(type, bytes, Options)
                ?? throw new SerializationException($"message '{manifest}' deserialized to null");
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"malformed '{manifest}' message: {e.Message}", e);
        }
    }

    private static Type RequireRegistered(object message)
    {
        var type = message.GetType();
        return MessageRegistry.TryGetManifest(type, out _)
            ? type
            : throw new SerializationException($"{type} is not a registered cluster message");
    }
}
