namespace RnnCluster.Core.Text;

/// <summary>
/// Returns one shared string per distinct token, so a million-token corpus with ten thousand word
/// types holds ten thousand strings rather than a million.
/// </summary>
internal sealed class TokenInterner
{
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public TokenInterner()
    {
        _bySpan = _tokens.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Intern(ReadOnlySpan<char> token)
    {
        if (_bySpan.TryGetValue(token, out var existing))
        {
            return existing;
        }

        var created = token.ToString();
        _tokens.Add(created, created);
        return created;
    }
}
