using RnnCluster.Core.Training;

namespace RnnCluster.Core.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void Zaremba_small_runs_four_epochs_at_lr_one_then_halves_each_epoch()
    {
        var schedule = new LearningRateSchedule(1f, 0.5f, 4);

        Assert.Equal([1f, 1f, 1f, 1f, 0.5f, 0.25f, 0.125f], Enumerable.Range(1, 7).Select(schedule.ForEpoch));
    }

    [Fact]
    public void Epoch_decay_after_plus_one_is_the_first_to_run_at_lr_times_decay()
    {
        var schedule = new LearningRateSchedule(0.7f, 1f / 1.2f, 6);

        Assert.Equal(0.7f, schedule.ForEpoch(6));
        Assert.Equal(0.7f / 1.2f, schedule.ForEpoch(7), 1e-6f);
        Assert.Equal(0.7f / (1.2f * 1.2f), schedule.ForEpoch(8), 1e-6f);
    }

    [Fact]
    public void Decay_after_zero_decays_from_the_first_epoch()
    {
        var schedule = new LearningRateSchedule(2f, 0.5f, 0);

        Assert.Equal(1f, schedule.ForEpoch(1));
        Assert.Equal(0.5f, schedule.ForEpoch(2));
    }

    [Theory]
    [InlineData(0.25f, 0.85f, 5, 0.0, 30, "lr 0.25, ×0.85 an epoch after epoch 5")]
    [InlineData(2f, 0.5f, 0, 0.0, 3, "lr 1 in epoch 1 (2 × 0.5), then ×0.5 an epoch")]
    [InlineData(1f, 0.5f, 4, 1.0, 25, "lr 1, ×0.5 after each epoch that improves validation perplexity by less than 1")]
    [InlineData(0.1f, 1f, 4, 0.0, 13, "lr 0.1, constant")]
    [InlineData(1f, 0.5f, 4, 0.0, 2, "lr 1, constant (the decay would start after epoch 4, and the run has 2)")]
    public void Describes_itself_in_words(float initial, float decay, int decayAfter, double decayOnPlateau, int epochs, string expected)
        => Assert.Equal(expected, new LearningRateSchedule(initial, decay, decayAfter, decayOnPlateau).Describe(epochs));

    [Fact]
    public void Default_training_options_use_zaremba_small_schedule()
    {
        var options = new TrainingOptions();

        Assert.Equal(new LearningRateSchedule(1f, 0.5f, 4), options.Schedule);
        Assert.Equal((20, 20, 5f, 13), (options.Batch, options.Bptt, options.Clip, options.Epochs));
    }

    [Fact]
    public void Options_schedule_follows_lr_decay_and_decay_after()
    {
        var options = new TrainingOptions { LearningRate = 0.3f, Decay = 0.8f, DecayAfter = 2 };

        Assert.Equal(0.3f, options.Schedule.ForEpoch(2));
        Assert.Equal(0.3f * 0.8f, options.Schedule.ForEpoch(3), 1e-7f);
    }

    [Fact]
    public void On_a_plateau_the_rate_decays_after_each_epoch_that_improved_validation_by_less_than_the_threshold()
    {
        var schedule = new TrainingOptions { LearningRate = 1f, Decay = 0.5f, DecayAfter = 1, DecayOnPlateau = 1.0 }.Schedule;

        Assert.True(schedule.FollowsValidation);
        Assert.Equal(1f, schedule.ForEpoch(5));                           // --decay-after is unused
        Assert.Equal(1f, schedule.Next(2, 1f, double.NaN, 180));          // no previous epoch
        Assert.Equal(1f, schedule.Next(3, 1f, 180, 150));                 // improved by 30
        Assert.Equal(1f, schedule.Next(4, 1f, 150, 149));                 // by exactly the threshold
        Assert.Equal(0.5f, schedule.Next(5, 1f, 149, 148.5));             // by 0.5
        Assert.Equal(0.25f, schedule.Next(6, 0.5f, 148.5, 150));          // worse
        Assert.Equal(0.125f, schedule.Next(7, 0.25f, 150, double.PositiveInfinity));
        Assert.Equal(0.0625f, schedule.Next(8, 0.125f, 150, double.NaN)); // diverged
    }

    [Fact]
    public void The_fixed_schedule_ignores_validation()
    {
        var schedule = new LearningRateSchedule(1f, 0.5f, 4);

        Assert.False(schedule.FollowsValidation);
        Assert.Equal(0.5f, schedule.Next(5, 1f, 100, 200));
        Assert.Equal(1f, schedule.Next(4, 0.1f, 100, 200));
    }

    [Fact]
    public void A_loop_following_validation_refuses_to_start_an_epoch_without_the_last_ones_perplexity()
    {
        var spec = new RnnCluster.Core.Models.ModelSpec(RnnCluster.Core.Models.CellType.Lstm, 5, 1, 4);
        var loop = new TrainingLoop(spec, new TrainingOptions { DecayOnPlateau = 1 }, 10);

        Assert.Throws<InvalidOperationException>(() => loop.NextEpoch());
        loop.NextEpoch(120);
        loop.NextEpoch(119.5);
        Assert.Equal(0.5f, loop.Lr);
    }
}
