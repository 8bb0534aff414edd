using System.Globalization;
using System.Text;

namespace RnnCluster.Core.Text;

/// <summary>
/// User text as error messages quote it: in single quotes, with every control, format (invisible) or
/// line/paragraph separator character escaped — <c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\0</c>, else
/// <c>\u{XXXX}</c> — and the code points named after it, e.g. <c>'\r' (U+000D)</c>, so a message
/// about a carriage return or a zero-width space says what the character is instead of showing nothing.
/// </summary>
public static class QuotedText
{
    public static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('\'');
        var escaped = new List<int>();
        foreach (var rune in text.EnumerateRunes())
        {
            if (!NeedsEscape(rune))
            {
                quoted.Append(rune.ToString());
                continue;
            }

            if (!escaped.Contains(rune.Value))
            {
                escaped.Add(rune.Value);
            }

            quoted.Append(Escape(rune));
        }

        quoted.Append('\'');
        if (escaped.Count > 0)
        {
            quoted.Append(" (").AppendJoin(", ", escaped.Select(c => string.Create(CultureInfo.InvariantCulture, $"U+{c:X4}"))).Append(')');
        }

        return quoted.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> with every character <see cref="Quote"/> would escape written as its
    /// escape (no quotes, no code point list): the last guard of a message line, so user text that
    /// reached it unquoted (a path, a class name) cannot move the cursor, recolour or retitle a terminal.
    /// Text already quoted holds no such character, so it passes unchanged.
    /// </summary>
    public static string EscapeInvisible(string text)
    {
        if (!text.EnumerateRunes().Any(NeedsEscape))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var rune in text.EnumerateRunes())
        {
            escaped.Append(NeedsEscape(rune) ? Escape(rune) : rune.ToString());
        }

        return escaped.ToString();
    }

    private static string Escape(Rune rune) => rune.Value switch
    {
        '\r' => "\\r",
        '\n' => "\\n",
        '\t' => "\\t",
        0 => "\\0",
        _ => string.Create(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}"),
    };

    private static bool NeedsEscape(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate
        || (rune.Value != ' ' && Rune.IsWhiteSpace(rune));
}
