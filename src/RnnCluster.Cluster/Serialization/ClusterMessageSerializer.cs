using Akka.Actor;
using Akka.Serialization;

namespace RnnCluster.Cluster.Serialization;

/// <summary>
/// The one Akka serializer of the project, bound in HOCON (cluster-config/serialization.conf) to
/// <see cref="Protocol.IClusterMessage"/>: MessagePack bodies with short string manifests.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4711;

    public override int Identifier => Id;

    public override string Manifest(object o) => MessageCodec.ManifestOf(o);

    public override byte[] ToBinary(object obj) => MessageCodec.Serialize(obj);

    public override object FromBinary(byte[] bytes, string manifest) => MessageCodec.Deserialize(bytes, manifest);
}
