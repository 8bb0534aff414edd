using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RnnCluster.Core.Training;

/// <summary>
/// A fingerprint of trained weights: SHA-256 of their float32 bytes in layout order (little-endian). Two
/// runs trained to the same bits print the same digest, whatever their model files' headers record
/// (threads, paths, the writer).
/// </summary>
public static class WeightsDigest
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="weights"/>' bytes.</summary>
    public static string Sha256(ReadOnlySpan<float> weights)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("weights digests are defined on little-endian bytes");
        }

        return Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(weights)));
    }
}
