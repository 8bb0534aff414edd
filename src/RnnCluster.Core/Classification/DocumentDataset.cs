using RnnCluster.Core.Text;

namespace RnnCluster.Core.Classification;

/// <summary>
/// A classification corpus as ids: the word vocabulary of the training documents, the class labels
/// (class id = position, in ordinal order) and the training, validation and optional test documents.
/// </summary>
public sealed record DocumentDataset(Vocabulary Vocabulary, IReadOnlyList<string> Labels, Document[] Train, Document[] Valid, Document[]? Test);
