using GeoSSL.MLNet;
using Spectre.Console;

namespace GeoSSL.Cli.Progress;

/// <summary>
/// Runs a training call under one Spectre progress bar fed by the loop's <see cref="TrainingProgress"/> reports: steps done
/// of all steps (so the ETA column extrapolates from step progress), with epoch, loss and images/s in the description.
/// The library reports synchronously from the training thread; Spectre's tasks are safe to update from there. Takes the ML.NET
/// adapter's reports and, for runs of the core's loop (change detection), the core's own.
/// </summary>
internal sealed class TrainingProgressBar : IProgress<TrainingProgress>, IProgress<GeoSSL.Core.Engine.TrainingProgress>
{
    private readonly ProgressTask task;
    private readonly Action<TrainingProgress>? observer;
    private double lastLoss = double.NaN;

    private TrainingProgressBar(ProgressTask task, Action<TrainingProgress>? observer) => (this.task, this.observer) = (task, observer);

    /// <summary>Runs <paramref name="work"/> on a worker thread while the bar is shown; returns its result.</summary>
    public static async Task<T> RunAsync<T>(CliIo io, string title, Func<TrainingProgressBar, T> work)
    {
        T result = default!;
        await io.Out.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                task.IsIndeterminate = true; // until the first report says how many steps there are (decoding comes first)
                var bar = new TrainingProgressBar(task, io.ProgressObserver);
                result = await Task.Run(() => work(bar));
                task.StopTask();
            });
        return result;
    }

    public void Report(GeoSSL.Core.Engine.TrainingProgress value) => Report(new TrainingProgress(value));

    public void Report(TrainingProgress value)
    {
        if (value.StepsPerEpoch > 0)
        {
            double total = (double)value.Epochs * value.StepsPerEpoch;
            double done = value.IsEpochEnd ? value.Epoch * (double)value.StepsPerEpoch : (value.Epoch - 1) * (double)value.StepsPerEpoch + value.Step;
            task.IsIndeterminate = false;
            task.MaxValue = total;
            task.Value = Math.Min(done, total);
        }
        if (!double.IsNaN(value.Loss)) lastLoss = value.Loss;
        task.Description = Markup.Escape(
            $"epoch {value.Epoch}/{value.Epochs} · loss {lastLoss:F4} · {value.SamplesPerSecond:F1} img/s" +
            (value.ValidationMetric(MetricNames.Accuracy) is { } acc ? $" · val acc {acc:P1}" : ""));
        observer?.Invoke(value);
    }
}
