namespace RnnCluster.Core.Text;

/// <summary>
/// The grammar of the built-in corpus: English-like sentences whose verb agrees in number with the
/// subject, however many relative clauses and prepositional phrases come between them ("the dog near
/// the cats that chase a bird runs"). Carrying that one bit across the gap is what a model must
/// learn to approach the optimum; the subject states exist twice, once per number, for that reason.
/// </summary>
internal static class BuiltInGrammar
{
    private static readonly string[] SingularNouns = ["dog", "cat", "bird", "man", "girl", "teacher"];
    private static readonly string[] PluralNouns = ["dogs", "cats", "birds", "men", "girls", "teachers"];
    private static readonly string[] AllNouns = [.. SingularNouns, .. PluralNouns];
    private static readonly string[] Adjectives = ["big", "small", "old", "happy", "lazy", "red"];
    private static readonly string[] SingularIntransitive = ["runs", "sleeps", "sings", "waits"];
    private static readonly string[] PluralIntransitive = ["run", "sleep", "sing", "wait"];
    private static readonly string[] SingularTransitive = ["sees", "likes", "chases"];
    private static readonly string[] PluralTransitive = ["see", "like", "chase"];
    private static readonly string[] Prepositions = ["near", "with", "behind"];
    private static readonly string[] Adverbs = ["today", "again", "quietly"];

    public const string Start = "sentence";

    public static ProbabilisticAutomaton Create()
    {
        var g = new AutomatonBuilder();

        // Subject: a determiner fixes the number or leaves it open ("the"); the noun settles it.
        g.Emit(Start, 50, "the", "the")
         .Emit(Start, 15, "sg-det", "a")
         .Emit(Start, 5, "sg-det", "every")
         .Emit(Start, 30, "pl-det", "many", "two", "some");
        g.Emit("the", 30, "adjective", Adjectives)
         .Emit("the", 35, "sg-subject", SingularNouns)
         .Emit("the", 35, "pl-subject", PluralNouns);
        g.Emit("adjective", 50, "sg-subject", SingularNouns)
         .Emit("adjective", 50, "pl-subject", PluralNouns);

        foreach (var (n, nouns, intransitive, transitive) in new[]
                 {
                     ("sg", SingularNouns, SingularIntransitive, SingularTransitive),
                     ("pl", PluralNouns, PluralIntransitive, PluralTransitive),
                 })
        {
            var subject = n + "-subject";
            var phrase = n + "-phrase";
            g.Emit(n + "-det", 30, n + "-adjective", Adjectives)
             .Emit(n + "-det", 70, subject, nouns);
            g.Emit(n + "-adjective", 1, subject, nouns);

            // After the subject noun: a modifier (which returns here, so modifiers chain) or the verb.
            g.Emit(subject, 12, n + "-that", "that")
             .Emit(subject, 13, phrase, Prepositions)
             .Emit(subject, 40, "intransitive", intransitive)
             .Emit(subject, 35, "object", transitive);
            g.Emit(n + "-that", 1, phrase, transitive);

            // The noun phrase inside a modifier has a number of its own, which must not leak out.
            g.Emit(phrase, 60, n + "-phrase-the", "the")
             .Emit(phrase, 40, subject, PluralNouns);
            g.Emit(n + "-phrase-the", 1, subject, AllNouns);
        }

        g.Emit("object", 60, "object-the", "the")
         .Emit("object", 40, "object-a", "a");
        g.Emit("object-the", 1, "clause-end", AllNouns);
        g.Emit("object-a", 1, "clause-end", SingularNouns);

        g.Emit("intransitive", 55, Start, SpecialTokens.EndOfSentence)
         .Emit("intransitive", 30, "clause-end", Adverbs)
         .Emit("intransitive", 15, Start, "and");
        g.Emit("clause-end", 85, Start, SpecialTokens.EndOfSentence)
         .Emit("clause-end", 15, Start, "and");

        return g.Build(Start);
    }
}
