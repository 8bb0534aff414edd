using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

/// <summary>The recipes in the repository's <c>jobs/</c> folder are valid job files.</summary>
public class JobRecipeTests
{
    public static TheoryData<string> Recipes() => [.. Directory.GetFiles(JobsDirectory(), "*.json").Select(Path.GetFileName).OfType<string>()];

    private static string JobsDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RnnCluster.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("the repository root (RnnCluster.sln) is not above the test binaries"), "jobs");
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Every_recipe_reads_and_validates_with_the_corpus_given_on_the_command_line(string name)
    {
        var job = JobDefinition.FromJson(File.ReadAllText(Path.Combine(JobsDirectory(), name)));

        job.Validate();
        Assert.Null(job.Corpus); // the corpus is the user's: --corpus on the command line
    }
}
