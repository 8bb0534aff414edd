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
}
