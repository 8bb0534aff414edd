using System.Reflection;
using System.Text.Json;
using RnnCluster.Core.Models;
using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

/// <summary>
/// Every numeric field of a job (its own, its model's, its training options'), set to NaN, ±∞, a
/// negative number, zero and a huge number: validation either accepts the value or refuses it with
/// an ArgumentException whose message starts with the field's flag; NaN and ±∞ are always refused.
/// </summary>
public class JobFieldRangeTests
{
    private static readonly JsonNamingPolicy Snake = JsonNamingPolicy.SnakeCaseLower;

    public static TheoryData<string, string, double> Cases()
    {
        var data = new TheoryData<string, string, double>();
        foreach (var (owner, property) in NumericFields())
        {
            double[] values = property.PropertyType == typeof(float) || property.PropertyType == typeof(double)
                ? [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, 0, 1e30]
                : [-1, 0, 1e18];
            foreach (var value in values)
            {
                data.Add(owner, property.Name, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_numeric_field_is_accepted_or_refused_naming_its_flag(string owner, string name, double value)
    {
        var job = With(owner, name, value);
        var flag = name == nameof(TrainingOptions.LearningRate) ? "--lr" : "--" + Snake.ConvertName(name).Replace('_', '-');
        try
        {
            job.Validate();
        }
        catch (ArgumentException e)
        {
            Assert.StartsWith(flag + " ", e.Message, StringComparison.Ordinal);
            return;
        }

        Assert.False(double.IsNaN(value) || double.IsInfinity(value), $"{flag} {value} was accepted");
    }

    private static IEnumerable<(string Owner, PropertyInfo Property)> NumericFields()
    {
        Type[] numeric = [typeof(int), typeof(long), typeof(float), typeof(double)];
        foreach (var (owner, type) in new[] { ("job", typeof(JobDefinition)), ("model", typeof(ModelSpec)), ("training", typeof(TrainingOptions)) })
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (numeric.Contains(property.PropertyType) && property.SetMethod is not null
                    && property.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null
                    && property.Name != nameof(ModelSpec.VocabSize))
                {
                    yield return (owner, property);
                }
            }
        }
    }

    private static JobDefinition With(string owner, string name, double value)
    {
        var job = JobDefinition.FromJson(new JobDefinition().ToJson());
        object target = owner switch
        {
            "job" => job,
            "model" => job.Model,
            _ => job.Training,
        };
        var property = target.GetType().GetProperty(name)!;
        property.SetValue(target, Convert(value, property.PropertyType));
        return job;
    }

    private static object Convert(double value, Type type)
    {
        if (type == typeof(float))
        {
            return (float)value;
        }

        if (type == typeof(double))
        {
            return value;
        }

        if (type == typeof(int))
        {
            return value > int.MaxValue ? int.MaxValue : (int)value;
        }

        return value > long.MaxValue ? long.MaxValue : (long)value;
    }
}
