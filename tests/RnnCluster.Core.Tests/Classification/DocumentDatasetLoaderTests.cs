using RnnCluster.Core.Classification;
using RnnCluster.Core.Tests.Text;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Classification;

public sealed class DocumentDatasetLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Encodes_unseen_words_as_unk_and_orders_classes_ordinally()
    {
        var train = _dir.Write("train.txt", "__label__b red apple\n__label__a green pear\n");
        var valid = _dir.Write("valid.txt", "__label__a blue pear\n");
        var data = DocumentDatasetLoader.Load(train, valid, null, null, 0, 1, 1);
        Assert.Equal(["a", "b"], data.Labels);
        Assert.Equal(1, data.Train[0].Label);
        Assert.Equal(data.Vocabulary.UnknownId, data.Valid[0].Words[0]);
        Assert.Equal(data.Vocabulary.IdOf("pear"), data.Valid[0].Words[1]);
        Assert.Null(data.Test);
    }

    [Fact]
    public void Cuts_one_file_ninety_ten_without_valid_or_split()
    {
        var path = _dir.Write("all.txt", ClassificationTestData.FastText(ClassificationTestData.Lines(200, 2, 1)));
        var data = DocumentDatasetLoader.Load(path, null, null, null, 0, 1, 1);
        Assert.Equal(200, data.Train.Length + data.Valid.Length);
        Assert.InRange(data.Valid.Length, 19, 21);
    }

    [Fact]
    public void Refuses_one_class_only()
    {
        var train = _dir.Write("train.txt", "__label__a x\n__label__a y\n");
        var valid = _dir.Write("valid.txt", "__label__a x\n");
        var e = Assert.Throws<CorpusException>(() => DocumentDatasetLoader.Load(train, valid, null, null, 0, 1, 1));
        Assert.Equal($"{train}: the training documents have one class ('a'); a classifier needs at least 2", e.Message);
    }

    [Fact]
    public void Refuses_a_test_class_training_never_saw_naming_file_and_line()
    {
        var train = _dir.Write("train.txt", "__label__a x\n__label__b y\n");
        var valid = _dir.Write("valid.txt", "__label__a x\n");
        var test = _dir.Write("test.txt", "__label__b y\n__label__c z\n");
        var e = Assert.Throws<CorpusException>(() => DocumentDatasetLoader.Load(train, valid, test, null, 0, 1, 1));
        Assert.StartsWith($"{test}: line 2: class 'c' never occurs in the training documents", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_split_of_a_corpus_directory_that_holds_a_validation_file()
    {
        _dir.Write("topics.train.txt", "__label__a x\n__label__b y\n");
        _dir.Write("topics.valid.txt", "__label__a x\n");
        var e = Assert.Throws<ArgumentException>(() => DocumentDatasetLoader.Load(_dir.Path, null, null, new DataSplit(80, 10, 10), 0, 1, 1));
        Assert.Equal($"--split 80/10/10 cuts one file, but the corpus directory {_dir.Path} holds a validation file (topics.valid.txt); give the training file itself as --corpus, or leave out --split", e.Message);
    }

    [Fact]
    public void Refuses_split_with_a_validation_file()
    {
        var train = _dir.Write("train.txt", "__label__a x\n__label__b y\n");
        var e = Assert.Throws<ArgumentException>(() => DocumentDatasetLoader.Load(train, train, null, new DataSplit(80, 10, 10), 0, 1, 1));
        Assert.StartsWith("--split 80/10/10 cuts one file, but --valid", e.Message, StringComparison.Ordinal);
    }
}
