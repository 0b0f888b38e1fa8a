using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using Microsoft.ML;

namespace GeoSSL.MLNet.ChangeDetection;

public sealed partial class GeoChangeDetectionEstimator
{
    /// <summary>
    /// Options of <see cref="GeoChangeDetectionEstimator"/> (<c>mlContext.Transforms.GeoChangeDetection</c>): a siamese U-Net
    /// trained on pairs of co-registered images and their change masks. Every row is one tile: two images of the same place at
    /// two dates and a mask, all exactly <see cref="ImageSize"/> x <see cref="ImageSize"/> pixels on one grid. Cut the tiles
    /// beforehand (e.g. 64 px windows of whole scenes): images are never resized here, since resampling one date or the mask
    /// would move pixels against the others. Fit returns stock ML.NET transforms that add <see cref="OutputColumnName"/>, the
    /// per-pixel change probability (float vector of H*W, dimensions [H, W], row-major).
    /// </summary>
    public sealed class Options
    {
        // ---- columns -------------------------------------------------------------------------------------------
        /// <summary>
        /// The first date: an image path (text, relative to <see cref="ImageFolder"/>), an image from <c>LoadImages</c>, or a float
        /// vector of planar RGB samples [3, H, W] in 0..255. Default "Image1".
        /// </summary>
        public string Image1ColumnName { get; set; } = "Image1";
        /// <summary>The second date, the same kinds as <see cref="Image1ColumnName"/>. Default "Image2".</summary>
        public string Image2ColumnName { get; set; } = "Image2";
        /// <summary>
        /// The change mask, read only by Fit: a path to a mask image (PNG; 0 = no change, any non-zero value in any channel =
        /// change, so 0/255 and 0/1 masks both work), or a byte or float vector of H*W values row-major (non-zero = change).
        /// Default "Mask".
        /// </summary>
        public string MaskColumnName { get; set; } = "Mask";
        /// <summary>Folder that relative image and mask paths are resolved against (null: the current directory). Also used by the returned model.</summary>
        public string? ImageFolder { get; set; }
        /// <summary>The added column: change probability per pixel, float[H*W] with dimensions [H, W]. Default "ChangeProbability".</summary>
        public string OutputColumnName { get; set; } = "ChangeProbability";

        // ---- network ---------------------------------------------------------------------------------------------
        /// <summary>Side of every tile in pixels (both dates and the mask); also the training window. Default 64.</summary>
        public int ImageSize { get; set; } = 64;
        /// <summary>Encoder for random initialisation. Default ResNet-18.</summary>
        public ResNetDepth Architecture { get; set; } = ResNetDepth.ResNet18;
        /// <summary>Channels of layer1 for random initialisation (64 = torchvision). Smaller is cheaper.</summary>
        public int BaseWidth { get; set; } = 64;
        /// <summary>How the two dates' features are combined at each scale: |f1 - f2| (default) or concatenation.</summary>
        public ChangeFusion Fusion { get; set; } = ChangeFusion.Difference;
        /// <summary>Keep the encoder's weights and BatchNorm statistics fixed; only the decoder and head train. Default false.</summary>
        public bool FreezeEncoder { get; set; }
        /// <summary>
        /// Starting weights of the encoder: an ImageNet ONNX ResNet, a torchvision-layout state dict (<c>.pth .pt .safetensors</c>),
        /// or a GeoSSL pretraining checkpoint (its query encoder and its normalisation). The file's layout replaces
        /// <see cref="Architecture"/> and <see cref="BaseWidth"/>. Null: random initialisation.
        /// </summary>
        public string? InitialEncoderPath { get; set; }
        /// <summary>The initial weights expect BGR input (as ML.NET's CNTK ResNet18.onnx does): conv1's channels are flipped to take RGB. Not for GeoSSL checkpoints.</summary>
        public bool InitialWeightsReverseChannels { get; set; }

        // ---- optimisation ----------------------------------------------------------------------------------------
        /// <summary>Epochs. Default 20.</summary>
        public int Epochs { get; set; } = 20;
        /// <summary>Tiles per step (at least 2, for BatchNorm). Default 8.</summary>
        public int BatchSize { get; set; } = 8;
        /// <summary>Tiles drawn per epoch; null = the number of training rows rounded up to a whole batch. Each draw is a random row (biased to change, see <see cref="ChangeBias"/>) with a random flip/rotation.</summary>
        public int? WindowsPerEpoch { get; set; }
        /// <summary>Base SGD learning rate (momentum 0.9), cosine-decayed to 0. Default 0.01.</summary>
        public double LearningRate { get; set; } = 0.01;
        /// <summary>Epochs of linear learning-rate warm-up. Default 0.</summary>
        public double WarmupEpochs { get; set; }
        /// <summary>Probability that a draw picks a tile by one of its changed pixels (rows with more change are drawn more): change is rare. Default 0.5.</summary>
        public double ChangeBias { get; set; } = 0.5;
        /// <summary>Weight of the soft Dice loss of the change class beside the class-balanced cross-entropy. Default 1.</summary>
        public double DiceWeight { get; set; } = 1.0;
        /// <summary>Random flips and 90° rotations, the same for both dates and the mask. Default true.</summary>
        public bool Augment { get; set; } = true;
        /// <summary>Seed of the initial weights and of every draw: equal seeds give equal models on the CPU. Default 1.</summary>
        public int Seed { get; set; } = 1;

        // ---- validation ------------------------------------------------------------------------------------------
        /// <summary>Rows (same columns, masks included) scored after every epoch: F1, IoU, precision, recall and accuracy of change. Optional.</summary>
        public IDataView? ValidationSet { get; set; }
        /// <summary>Stop after this many epochs without a higher validation F1 and keep the best epoch's weights. Needs <see cref="ValidationSet"/>. Null or 0: off.</summary>
        public int? EarlyStoppingPatience { get; set; }

        // ---- run -------------------------------------------------------------------------------------------------
        /// <summary>"auto" (CUDA when available), "cpu", "cuda" or "cuda:N".</summary>
        public string Device { get; set; } = "auto";
        /// <summary>CPU threads of libtorch for this Fit (process-wide); null leaves the current count.</summary>
        public int? Threads { get; set; }
        /// <summary>Receives step and epoch reports (loss, pixel accuracy, validation f1/iou/..., learning rate).</summary>
        public IProgress<TrainingProgress>? Progress { get; set; }
        /// <summary>Stops training within one step (Fit throws OperationCanceledException), writing <see cref="TrainingCheckpointPath"/> first when set.</summary>
        public CancellationToken CancellationToken { get; set; }
        /// <summary>Training-state checkpoint written every epoch, at the end and on cancellation, to resume an interrupted Fit. Optional.</summary>
        public string? TrainingCheckpointPath { get; set; }
        /// <summary>Continue the run that wrote this checkpoint (same options and rows); its weights replace <see cref="InitialEncoderPath"/>'s.</summary>
        public string? ResumeFromTrainingCheckpoint { get; set; }

        internal void Validate()
        {
            foreach (var (name, value) in new[] { (nameof(Image1ColumnName), Image1ColumnName), (nameof(Image2ColumnName), Image2ColumnName),
                         (nameof(MaskColumnName), MaskColumnName), (nameof(OutputColumnName), OutputColumnName) })
                if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} is empty.", name);
            if (Image1ColumnName == Image2ColumnName)
                throw new ArgumentException($"Image1ColumnName and Image2ColumnName are both '{Image1ColumnName}'; the two dates need two columns.", nameof(Image2ColumnName));
            if (ImageSize < 16) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "Tiles of at least 16 pixels.");
            if (EarlyStoppingPatience is > 0 && ValidationSet is null)
                throw new ArgumentException($"EarlyStoppingPatience ({EarlyStoppingPatience}) needs a ValidationSet.", nameof(EarlyStoppingPatience));
            if (WindowsPerEpoch is < 1) throw new ArgumentOutOfRangeException(nameof(WindowsPerEpoch), WindowsPerEpoch, "At least one window per epoch.");
            GeoSSL.Core.Devices.CpuThreads.Validate(Threads, nameof(Threads));
            Schedule().Validate();
            TaskOptions(new ResNetOptions { Depth = Architecture.ToCore(), BaseWidth = BaseWidth }, 1).Validate();
        }

        internal TrainingSchedule Schedule() => new()
        {
            Epochs = Epochs, LearningRate = LearningRate, WarmupEpochs = WarmupEpochs, Seed = Seed,
            EarlyStoppingPatience = EarlyStoppingPatience, EarlyStoppingMetric = "f1",
        };

        internal DenseTaskOptions TaskOptions(ResNetOptions encoder, int trainingRows) => new()
        {
            Model = DenseModelOptions.Change(encoder, Fusion.ToCore()) with { FreezeEncoder = FreezeEncoder },
            WindowSize = ImageSize, BatchSize = BatchSize, ChangeBias = ChangeBias, DiceWeight = DiceWeight, Augment = Augment,
            WindowsPerEpoch = WindowsPerEpoch ?? Math.Max(1, (trainingRows + BatchSize - 1) / BatchSize) * BatchSize,
        };
    }
}
