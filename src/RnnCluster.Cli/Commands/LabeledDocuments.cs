using RnnCluster.Core.Classification;
using RnnCluster.Core.Text;
using RnnCluster.Core.Training;

namespace RnnCluster.Cli.Commands;

/// <summary>Labelled documents read for a trained classifier: its vocabulary and its classes.</summary>
public static class LabeledDocuments
{
    /// <exception cref="CorpusException">Naming the file and line of a malformed line or of a class the model does not know.</exception>
    public static Document[] Encode(string path, ModelFile classifier)
    {
        var labels = classifier.Labels.Select((label, id) => (label, id)).ToDictionary(p => p.label, p => p.id, StringComparer.Ordinal);
        return [.. LabeledTextReader.Read(path).Select(line => labels.TryGetValue(line.Label, out var id)
            ? new Document(id, DocumentDatasetLoader.WordIds(line.Words, classifier.Vocabulary))
            : throw new CorpusException($"{path}: line {line.Line}: class {QuotedText.Quote(line.Label)} is not one of the model's {labels.Count} classes ({string.Join(", ", labels.Keys.Take(20))}{(labels.Count > 20 ? ", …" : string.Empty)})"))];
    }
}
