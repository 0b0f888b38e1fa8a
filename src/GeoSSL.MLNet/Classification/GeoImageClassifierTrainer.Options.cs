using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using Microsoft.ML;

namespace GeoSSL.MLNet.Classification;

public sealed partial class GeoImageClassifierTrainer
{
    /// <summary>
    /// Options of <see cref="GeoImageClassifierTrainer"/> (<c>mlContext.MulticlassClassification.Trainers.GeoImageClassifier</c>):
    /// end-to-end fine-tuning of a ResNet image classifier, from random weights or from the encoder of a GeoSSL pretraining
    /// checkpoint. The label must be a key column (<c>mlContext.Transforms.Conversion.MapValueToKey("Label")</c>); Fit returns
    /// a chain of stock ML.NET transforms that adds <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (a key with
    /// the label's values), so <c>MulticlassClassification.Evaluate</c>, <c>PredictionEngine</c> and <c>Model.Save/Load</c>
    /// work as for any ML.NET trainer. Defaults are a CPU-sized recipe for 64 px Sentinel-2 patches such as EuroSAT.
    /// </summary>
    public sealed class Options
    {
        // ---- columns -------------------------------------------------------------------------------------------
        /// <summary>Label column; must be a key type (from <c>MapValueToKey</c>). Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";
        /// <summary>
        /// Image column: a path (text, relative to <see cref="ImageFolder"/>), an image from <c>LoadImages</c>, or a tensor column (a float
        /// vector of planar raw samples [C, H, W], e.g. from <c>mlContext.Data.LoadSceneWindows</c> or <c>LoadGeoTiffs</c>) for
        /// multispectral input (see <see cref="Bands"/>). Default "ImagePath".
        /// </summary>
        public string ImageColumnName { get; set; } = "ImagePath";
        /// <summary>Folder that relative image paths are resolved against (null: the current directory). Also used by the returned model.</summary>
        public string? ImageFolder { get; set; }

        // ---- starting point and network ----------------------------------------------------------------------------
        /// <summary>
        /// Starting weights of the backbone. A GeoSSL pretraining checkpoint (<c>.ckpt</c> written by <c>GeoContrastivePretrain</c>'s
        /// CheckpointPath): its query encoder, architecture and normalisation are used. Or published weights: an ONNX ResNet
        /// (e.g. ML.NET's ImageNet ResNet18.onnx) or a PyTorch state dict of a torchvision-layout ResNet (<c>.pth .pt .pth.tar
        /// .bin .safetensors</c>), normalised with <see cref="Mean"/>/<see cref="Std"/>. In every case <see cref="Architecture"/>,
        /// <see cref="BaseWidth"/> and <see cref="SmallInputStem"/> are taken from the file. Null: random (torchvision) initialisation.
        /// </summary>
        public string? InitialEncoderPath { get; set; }
        /// <summary>The initial weights expect BGR input (as ML.NET's CNTK ResNet18.onnx does): conv1's channels are flipped to take RGB.</summary>
        public bool InitialWeightsReverseChannels { get; set; }
        /// <summary>
        /// Per-band normalisation mean of the scaled samples (raw / <see cref="SampleDivisor"/>) subtracted before the backbone; baked
        /// into the exported ONNX. Null: the checkpoint's own for a GeoSSL checkpoint, otherwise ImageNet's (0.485, 0.456, 0.406) for RGB
        /// images; for a tensor column, the starting GeoSSL checkpoint's when it was pretrained on the same bands at the same
        /// <see cref="SampleDivisor"/>, otherwise the per-band mean of a seeded sample of the training rows' pixels.
        /// </summary>
        public float[]? Mean { get; set; }
        /// <summary>Per-band normalisation std the centred samples are divided by; null as for <see cref="Mean"/> (ImageNet's 0.229, 0.224, 0.225 for RGB).</summary>
        public float[]? Std { get; set; }
        /// <summary>
        /// Band names of the image column in channel order: for a tensor column (a float vector [C, H, W], e.g. from
        /// <c>mlContext.Data.LoadSceneWindows</c> or <c>LoadGeoTiffs</c>) such as ["B02","B03","B04","B08"]. They decide how RGB
        /// starting weights map onto the bands (<see cref="InitialEncoderPath"/>) and whether colour augmentations apply (only to
        /// R,G,B). Null: R,G,B for image and path columns, "band1".."bandC" for tensors.
        /// </summary>
        public string[]? Bands { get; set; }
        /// <summary>
        /// Raw samples are divided by this before normalisation: 255 for 8-bit images (the only value for image and path columns),
        /// 10000 for Sentinel-2 digital numbers, 1 for samples already scaled. Null: 255 for images, 1 for tensor columns (or the
        /// starting GeoSSL checkpoint's when it was pretrained on the same bands).
        /// </summary>
        public float? SampleDivisor { get; set; }
        /// <summary>Backbone for random initialisation. Default ResNet-18 (ResNet-50 is the paper's but slow on a CPU).</summary>
        public ResNetDepth Architecture { get; set; } = ResNetDepth.ResNet18;
        /// <summary>Channels of layer1 for random initialisation (64 = torchvision). Smaller is cheaper.</summary>
        public int BaseWidth { get; set; } = 64;
        /// <summary>3x3 stride-1 stem without max-pool for random initialisation (finer features on 32-64 px tiles, ~16x compute).</summary>
        public bool SmallInputStem { get; set; }
        /// <summary>Side in pixels images are resized to (stretched, ML.NET's ResizeImages Fill) for training and prediction. Default 64.</summary>
        public int ImageSize { get; set; } = 64;

        // ---- optimisation ----------------------------------------------------------------------------------------
        /// <summary>Epochs over the training rows. Default 20.</summary>
        public int Epochs { get; set; } = 20;
        /// <summary>Images per step. Default 64.</summary>
        public int BatchSize { get; set; } = 64;
        /// <summary>Base SGD learning rate (momentum 0.9), decayed by a cosine to 0. Default 0.01 (fine-tuning); from random weights 0.05-0.1 trains faster; a frozen backbone takes larger rates.</summary>
        public double LearningRate { get; set; } = 0.01;
        /// <summary>SGD momentum. Default 0.9.</summary>
        public double SgdMomentum { get; set; } = 0.9;
        /// <summary>Epochs of linear learning-rate warm-up before the cosine decay. Default 0.</summary>
        public double WarmupEpochs { get; set; }
        /// <summary>Weight decay. Default 1e-4.</summary>
        public double WeightDecay { get; set; } = 1e-4;
        /// <summary>
        /// Train only the final linear layer (a linear probe of the pretrained features): the backbone keeps its weights and,
        /// being kept in eval mode, its BatchNorm statistics. Default false (every layer is trained).
        /// </summary>
        public bool FreezeBackbone { get; set; }
        /// <summary>
        /// Augment training images: random resized crop (area 50-100%), horizontal and vertical flips. No colour jitter or blur:
        /// spectra and texture are what land-cover classes differ in. Default true.
        /// </summary>
        public bool Augment { get; set; } = true;
        /// <summary>Seed of the initial weights, visiting order and augmentation: equal seeds give equal models on the CPU. Default 1.</summary>
        public int Seed { get; set; } = 1;

        // ---- validation ------------------------------------------------------------------------------------------
        /// <summary>Rows scored after every epoch (same label and image columns, label keys equal to the training label's). Optional.</summary>
        public IDataView? ValidationSet { get; set; }
        /// <summary>
        /// Stop after this many epochs without a higher validation accuracy, and return the weights of the best epoch
        /// (the first one on ties). Needs <see cref="ValidationSet"/>. Null or 0: off (the last epoch's weights are returned).
        /// </summary>
        public int? EarlyStoppingPatience { get; set; }

        // ---- run -------------------------------------------------------------------------------------------------
        /// <summary>"auto" (CUDA when available), "cpu", "cuda" or "cuda:N".</summary>
        public string Device { get; set; } = "auto";
        /// <summary>
        /// Receives step and epoch reports: training metrics "loss" and "accuracy", at epoch ends validation "loss" and "accuracy"
        /// (with a <see cref="ValidationSet"/>), learning rate, images/s.
        /// </summary>
        public IProgress<TrainingProgress>? Progress { get; set; }
        /// <summary>Report progress every this many steps, besides every epoch end. Default 10; 0 for epoch ends only.</summary>
        public int ReportEveryNSteps { get; set; } = 10;
        /// <summary>
        /// Stops training within one step (Fit throws OperationCanceledException); with <see cref="TrainingCheckpointPath"/> set,
        /// a checkpoint is written first, so the run can continue with <see cref="ResumeFromTrainingCheckpoint"/>.
        /// </summary>
        public CancellationToken CancellationToken { get; set; }

        // ---- crash safety and resume -----------------------------------------------------------------------------------
        /// <summary>
        /// Training-state checkpoint (weights, optimiser momentum, epoch and step, losses, early-stopping state), written
        /// atomically every <see cref="CheckpointEveryNEpochs"/> epochs, every <see cref="CheckpointEveryNSteps"/> steps, at the
        /// end and on cancellation, to resume an interrupted Fit. Not the trained model (that is <see cref="CheckpointPath"/>).
        /// An existing file from an earlier run is refused unless this Fit resumes from it or <see cref="OverwriteExistingOutputs"/> is set. Optional.
        /// </summary>
        public string? TrainingCheckpointPath { get; set; }
        /// <summary>Write <see cref="TrainingCheckpointPath"/> every this many epochs (and at the end). 0: only at the end and on cancellation. Default 1.</summary>
        public int CheckpointEveryNEpochs { get; set; } = 1;
        /// <summary>Also write <see cref="TrainingCheckpointPath"/> every this many steps within an epoch (a kill loses at most that many steps). 0: off (default).</summary>
        public int CheckpointEveryNSteps { get; set; }
        /// <summary>
        /// Continue the run that wrote this training checkpoint, at its epoch and step; with the same options, data and thread
        /// count the result equals an uninterrupted Fit. Only <see cref="Epochs"/> (and <see cref="ReportEveryNSteps"/>) may
        /// differ; any other difference is named before an image is read. Usually the same file as <see cref="TrainingCheckpointPath"/>.
        /// </summary>
        public string? ResumeFromTrainingCheckpoint { get; set; }
        /// <summary>Let this Fit replace an existing <see cref="TrainingCheckpointPath"/> of an earlier run (default false: refused).</summary>
        public bool OverwriteExistingOutputs { get; set; }
        /// <summary>CPU threads of libtorch for this Fit (process-wide); null leaves the current count. Equal counts give bit-equal runs.</summary>
        public int? Threads { get; set; }
        /// <summary>
        /// Also write the trained classifier as ONNX here: input "input" float [N,C,S,S] planar raw samples (RGB 0..255 for images,
        /// the tensor column's samples otherwise; scaling and normalisation inside, the input contract in the metadata), outputs "probabilities" [N,classes] and "label_index" int64 [N,1]; class names in the metadata. Optional.
        /// </summary>
        public string? OnnxExportPath { get; set; }
        /// <summary>
        /// Also write the trained classifier as a TorchSharp checkpoint here (<c>ClassifierCheckpoint</c>: a JSON header and the
        /// state dict under torchvision's resnet key names, fc included), to continue in TorchSharp or compare with PyTorch. Optional.
        /// Written once, after training; to survive a crash and resume mid-run, set <see cref="TrainingCheckpointPath"/> instead.
        /// </summary>
        public string? CheckpointPath { get; set; }
    }
}
