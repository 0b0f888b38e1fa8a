using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Data.Input;
using Microsoft.ML;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;

namespace GeoSSL.MLNet;

public sealed partial class GeoContrastivePretrainEstimator
{
    /// <summary>
    /// Options of <see cref="GeoContrastivePretrainEstimator"/>. Defaults are the GASSL paper's (Ayush et al., ICCV 2021):
    /// MoCo-v2 + temporal positives + geo pretext, ResNet-50, 224 px, batch 256, queue 65536, m 0.999, T 0.2,
    /// SGD lr 0.03 momentum 0.9 wd 1e-4 with cosine decay, 100 geo clusters, alpha = beta = 1.
    /// For 64 px Sentinel-2 tiles on a CPU, ResNet-18 at 64 px with a batch of 64-128 and a queue of a few thousand is a practical start.
    /// </summary>
    public sealed class Options
    {
        // ---- columns -------------------------------------------------------------------------------------------
        /// <summary>Column holding the image: a path (text, relative to <see cref="ImageFolder"/>) or an image loaded by <c>LoadImages</c>. Default "ImagePath".</summary>
        public string ImageColumnName { get; set; } = "ImagePath";
        /// <summary>Latitude column in WGS84 degrees (Single or Double). Default "Latitude".</summary>
        public string LatitudeColumnName { get; set; } = "Latitude";
        /// <summary>Longitude column in WGS84 degrees (Single or Double). Default "Longitude".</summary>
        public string LongitudeColumnName { get; set; } = "Longitude";
        /// <summary>Column grouping the images of one location over time (text or integer). Default "LocationId".</summary>
        public string LocationColumnName { get; set; } = "LocationId";
        /// <summary>Optional acquisition time (DateTime, DateTimeOffset or ISO text); lets temporal positives prefer another date. Default none.</summary>
        public string? TimestampColumnName { get; set; }
        /// <summary>Name of the float vector column the featurizer adds. Default "Features".</summary>
        public string OutputColumnName { get; set; } = "Features";
        /// <summary>Folder that relative image paths are resolved against (null: the current directory).</summary>
        public string? ImageFolder { get; set; }
        /// <summary>
        /// What to do with an image file that cannot be read (missing, empty, not an image, truncated or corrupt): stop with an
        /// error naming it (<see cref="BadImagePolicy.Fail"/>, the default: losing data silently is worse than a stop) or leave
        /// the row out and report it (<see cref="BadImagePolicy.Skip"/>, for big archives with a few broken files). Applies to
        /// image paths; images already loaded by LoadImages fail in LoadImages.
        /// </summary>
        public BadImagePolicy BadImagePolicy { get; set; } = BadImagePolicy.Fail;
        /// <summary>
        /// Decode image files while training (a few batches ahead, on worker threads) instead of all at once before it: memory stays
        /// flat whatever the number of rows, at the cost of decoding every image every epoch. Null (default): stream when the decoded
        /// images would take more than 1 GB. Applies to path columns; images and tensors arrive decoded.
        /// </summary>
        public bool? StreamImages { get; set; }

        // ---- method ----------------------------------------------------------------------------------------------
        /// <summary>Which of the paper's methods to train. Default MoCo-v2 + Geo + TP.</summary>
        public PretrainVariant Variant { get; set; } = PretrainVariant.MoCoV2GeoTemporalPositives;
        /// <summary>With temporal positives, allow the positive to be the anchor itself even when other dates exist. Default false (always another date when there is one).</summary>
        public bool AllowSameImagePositive { get; set; }
        /// <summary>Number of k-means geo clusters (100 in the paper); capped at the number of distinct locations.</summary>
        public int GeoClusters { get; set; } = 100;
        /// <summary>Weight of the contrastive loss (alpha). Default 1.</summary>
        public double ContrastiveWeight { get; set; } = 1.0;
        /// <summary>Weight of the geo loss (beta). Default 1.</summary>
        public double GeoWeight { get; set; } = 1.0;
        /// <summary>
        /// Learning rate of the geo head, a linear classifier that starts from scratch, on the same schedule as
        /// <see cref="LearningRate"/>; null (default): LearningRate, as in the paper. When adapting pretrained weights with a small
        /// LearningRate (0.001), give the head its own (e.g. 0.1): otherwise its loss stays near chance, ln(GeoClusters).
        /// </summary>
        public double? GeoHeadLearningRate { get; set; }

        // ---- network ---------------------------------------------------------------------------------------------
        /// <summary>Backbone. Default ResNet-50 (the paper's).</summary>
        public ResNetDepth Architecture { get; set; } = ResNetDepth.ResNet50;
        /// <summary>Channels of layer1 (64 = torchvision). Smaller makes a cheaper encoder.</summary>
        public int BaseWidth { get; set; } = 64;
        /// <summary>3x3 stride-1 stem without max-pool, for 32-64 px tiles (more compute, finer features). Default false.</summary>
        public bool SmallInputStem { get; set; }
        /// <summary>Side in pixels the images are resized to for training and featurization. Default 224.</summary>
        public int ImageSize { get; set; } = 224;
        /// <summary>Projection width (128).</summary>
        public int ProjectionDimension { get; set; } = 128;
        /// <summary>Negatives in the queue (65536 in the paper; any size works with any batch).</summary>
        public int QueueSize { get; set; } = 65536;
        /// <summary>Key-encoder momentum (0.999).</summary>
        public double EncoderMomentum { get; set; } = 0.999;
        /// <summary>InfoNCE temperature (0.2).</summary>
        public double Temperature { get; set; } = 0.2;
        /// <summary>BatchNorm groups emulating multi-GPU ShuffleBN on one device. Default 4.</summary>
        public int BatchNormGroups { get; set; } = 4;

        // ---- optimisation ----------------------------------------------------------------------------------------
        /// <summary>Epochs over all images (200 in MoCo-v2).</summary>
        public int Epochs { get; set; } = 200;
        /// <summary>Images per step (256).</summary>
        public int BatchSize { get; set; } = 256;
        /// <summary>Base learning rate (0.03).</summary>
        public double LearningRate { get; set; } = 0.03;
        /// <summary>SGD momentum (0.9).</summary>
        public double SgdMomentum { get; set; } = 0.9;
        /// <summary>Weight decay (1e-4).</summary>
        public double WeightDecay { get; set; } = 1e-4;
        /// <summary>Linear warm-up epochs before the cosine decay (0).</summary>
        public double WarmupEpochs { get; set; }
        /// <summary>Cosine learning-rate decay (true).</summary>
        public bool CosineSchedule { get; set; } = true;
        /// <summary>Seed of weights, sampling and augmentation: equal seeds give equal runs on the CPU.</summary>
        public int Seed { get; set; } = 1;

        // ---- augmentation ----------------------------------------------------------------------------------------
        /// <summary>Smallest crop area of RandomResizedCrop (0.2).</summary>
        public double MinCropScale { get; set; } = 0.2;
        /// <summary>Probability of a vertical flip (0 in the paper; overhead images have no up, 0.5 is a sensible extra).</summary>
        public double VerticalFlipProbability { get; set; }
        /// <summary>
        /// Per-band normalisation mean of the scaled samples (raw / <see cref="SampleDivisor"/>); baked into the exported ONNX. Null (default):
        /// ImageNet's for RGB images; for a tensor column, the per-band mean of a seeded sample of the input's pixels.
        /// </summary>
        public float[]? Mean { get; set; }
        /// <summary>Per-band normalisation std; null (default) as for <see cref="Mean"/>.</summary>
        public float[]? Std { get; set; }
        /// <summary>
        /// A per-pixel mean image subtracted instead of <see cref="Mean"/>, read from ML.NET's <c>ResNetPreprocess.onnx</c>
        /// (package Microsoft.ML.DnnImageFeaturizer.ResNet18, folder DnnImageModels/ResNetPrepOnnx), as ML.NET's ImageNet
        /// ResNet18 was trained; use it with Std 1/255 and that model as <see cref="InitialWeightsPath"/>. Resized to
        /// <see cref="ImageSize"/> for training and to the featurization size in the exported ONNX. Null (default): per-channel mean.
        /// </summary>
        public string? MeanImageFile { get; set; }

        /// <summary>The mean image itself (tests and benchmarks); <see cref="MeanImageFile"/> is read when this is null.</summary>
        internal MeanImage? MeanImage { get; set; }

        internal MeanImage? ResolveMeanImage() =>
            MeanImage ?? (MeanImageFile is null ? null : Core.Import.MlNetResNetPreprocessing.ReadMeanImage(MeanImageFile));

        // ---- input (multispectral) --------------------------------------------------------------------------------
        /// <summary>
        /// Band names of the image column in channel order: for a tensor column (a float vector [C, H, W], e.g. from
        /// <c>mlContext.Data.LoadSceneWindows</c> or <c>LoadGeoTiffs</c>) such as ["B02","B03","B04","B08"]. They decide how RGB
        /// starting weights map onto the bands (<see cref="InitialWeightsPath"/>) and whether colour augmentations apply (only to
        /// R,G,B). Null: R,G,B for image and path columns, "band1".."bandC" for tensors.
        /// </summary>
        public string[]? Bands { get; set; }
        /// <summary>
        /// Raw samples are divided by this before normalisation: 255 for 8-bit images (the only value for image and path columns),
        /// 10000 for Sentinel-2 digital numbers, 1 for samples already scaled. Null: 255 for images, 1 for tensor columns.
        /// </summary>
        public float? SampleDivisor { get; set; }
        /// <summary>Images sampled (seeded) for the per-band statistics when <see cref="Mean"/>/<see cref="Std"/> are null on a tensor column (1000).</summary>
        public int StatisticsSampleImages { get; set; } = 1000;

        // ---- run -------------------------------------------------------------------------------------------------
        /// <summary>"auto" (CUDA when available), "cpu", "cuda" or "cuda:N".</summary>
        public string Device { get; set; } = "auto";
        /// <summary>Checkpoint file kept up to date during training (written atomically). Null writes none.</summary>
        public string? CheckpointPath { get; set; }
        /// <summary>Write the checkpoint every this many epochs (1).</summary>
        public int CheckpointEveryNEpochs { get; set; } = 1;
        /// <summary>Also write it every this many steps (0 = off).</summary>
        public int CheckpointEveryNSteps { get; set; }
        /// <summary>Checkpoint to continue from, at its epoch and step. Its configuration must match these options (Epochs may grow).</summary>
        public string? ResumeFromCheckpoint { get; set; }
        /// <summary>Also write the trained encoder as ONNX here (input: RGB 0..255 planar [N,3,S,S]; normalisation inside).</summary>
        public string? OnnxExportPath { get; set; }
        /// <summary>
        /// Replace an existing <see cref="CheckpointPath"/> or <see cref="OnnxExportPath"/> from an earlier run (false: Fit refuses
        /// before reading any data, so an earlier run is never lost silently). Resuming from <see cref="CheckpointPath"/> itself
        /// continues that run and may always rewrite its files.
        /// </summary>
        public bool OverwriteExistingOutputs { get; set; }
        /// <summary>
        /// CPU threads for training and featurizing (TorchSharp intra-op and ONNX Runtime); null uses every core. Set it
        /// when several jobs share a machine: each job's threads otherwise compete for all cores. Applies to the whole
        /// process (libtorch has one thread pool).
        /// </summary>
        public int? Threads { get; set; }
        /// <summary>Featurizer output: false = pooled backbone features (for linear probes), true = the 128-d projection.</summary>
        public bool OutputProjection { get; set; }
        /// <summary>
        /// Residual stages (1-4, ascending) whose global-average-pooled outputs make up the features; [4] (default) is the
        /// usual pooled output, [3, 4] adds layer3's channels (768 floats for a ResNet-18). Ignored with <see cref="OutputProjection"/>.
        /// </summary>
        public int[] PooledLayers { get; set; } = [4];
        /// <summary>
        /// Featurizer output: besides each pooled stage's channel means, their standard deviations over the image (twice the
        /// floats); texture statistics that land-cover probes use. Ignored with <see cref="OutputProjection"/>. Default false.
        /// </summary>
        public bool PoolStandardDeviation { get; set; }
        /// <summary>
        /// Featurizer output: the average of the features of mirrored and rotated views of each image (one encoder pass per
        /// view). Ignored with <see cref="OutputProjection"/>. Default None.
        /// </summary>
        public TestTimeAugmentation TestTimeAugmentation { get; set; }
        /// <summary>
        /// Measure the encoder at the end of every this many epochs (and of the last): the spread of its normalised
        /// embeddings (collapse check) and, with <see cref="MonitorData"/>, leave-one-out kNN top-1. 0 turns it off. (1)
        /// </summary>
        public int MonitorEveryNEpochs { get; set; } = 1;
        /// <summary>Without <see cref="MonitorData"/>, the collapse check uses this many pretraining images (512).</summary>
        public int MonitorImages { get; set; } = 512;
        /// <summary>
        /// Optional labelled images for the kNN monitor (e.g. a few hundred land-cover patches), with an image column named like
        /// <see cref="ImageColumnName"/> (paths are relative to <see cref="MonitorImageFolder"/>) and <see cref="MonitorLabelColumnName"/>.
        /// </summary>
        public IDataView? MonitorData { get; set; }
        /// <summary>Folder that MonitorData's relative image paths are resolved against (null: the current directory).</summary>
        public string? MonitorImageFolder { get; set; }
        /// <summary>Label column of MonitorData (text or key). Default "Label".</summary>
        public string MonitorLabelColumnName { get; set; } = "Label";
        /// <summary>Neighbours of the kNN monitor (20), votes weighted by exp(cosine / 0.07).</summary>
        public int KnnNeighbors { get; set; } = 20;
        /// <summary>
        /// Starting weights for the encoder instead of random ones: an ONNX ResNet (for example ML.NET's ImageNet
        /// <c>ResNet18.onnx</c> from Microsoft.ML.DnnImageFeaturizer.ResNet18, mapped by graph topology) or a PyTorch state dict
        /// of a torchvision-layout ResNet (<c>.pth .pt .pth.tar .ckpt .bin .safetensors</c>; bare, or a MoCo/GASSL training
        /// checkpoint whose "module.encoder_q." backbone is found automatically). The file's layout (depth, width, blocks per
        /// layer, stem) replaces <see cref="Architecture"/>, <see cref="BaseWidth"/> and <see cref="SmallInputStem"/>. Set
        /// <see cref="Mean"/>/<see cref="Std"/> to the normalisation the weights were trained with. Ignored when resuming.
        /// </summary>
        public string? InitialWeightsPath { get; set; }
        /// <summary>
        /// Leading encoder stages kept exactly as loaded while pretraining: 0 none (default), 1 the stem (conv1, bn1),
        /// 2 stem + layer1, 3 up to layer2, 4 up to layer3. With <see cref="InitialWeightsPath"/>, generic early filters stay
        /// and later stages adapt to the new imagery; frozen stages also skip their backward pass, so steps are cheaper.
        /// </summary>
        public int FrozenStages { get; set; }
        /// <summary>
        /// Side in pixels of the images the returned featurizer (and <see cref="OnnxExportPath"/>) takes; null = <see cref="ImageSize"/>.
        /// A ResNet ends in global pooling, so it can be pretrained on small crops (cheap) and featurize larger ones, e.g.
        /// ImageNet weights adapted at 128 px and used at 224 px, the scale they were trained at.
        /// </summary>
        public int? FeaturizationImageSize { get; set; }
        /// <summary>
        /// Keep BatchNorm running statistics as loaded (BatchNorm layers stay in eval mode while training). Useful with
        /// <see cref="InitialWeightsPath"/>: otherwise the new imagery replaces ImageNet's statistics within a few dozen steps.
        /// </summary>
        public bool FreezeBatchNormStatistics { get; set; }
        /// <summary>The initial weights expect BGR input (as ML.NET's CNTK ResNet18.onnx does): conv1's channels are flipped to take RGB.</summary>
        public bool InitialWeightsReverseChannels { get; set; }
        /// <summary>Images per encoder call when the returned featurizer transforms many rows (64).</summary>
        public int FeaturizationBatchSize { get; set; } = 64;
        /// <summary>Report progress every this many steps (10).</summary>
        public int ReportEveryNSteps { get; set; } = 10;
        /// <summary>Receives step and epoch reports.</summary>
        public IProgress<TrainingProgress>? Progress { get; set; }
        /// <summary>Stops training; a checkpoint is written first when <see cref="CheckpointPath"/> is set.</summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>
        /// The ImageNet-start recipe measured here: ML.NET's ImageNet ResNet18 weights (BGR, its mean image, 0..255 pixels) adapted
        /// gently on your tiles (frozen BatchNorm statistics, stem and layer1 frozen, lr 0.001, 3 epochs, batch 128, queue 1024,
        /// m 0.99) at 224 px, MoCo-v2+Geo+TP with the geo head on its own rate (0.1) so the geo pretext learns (72% of ln 100 on
        /// the 3,790 OSCD tiles), and the featurizer of <c>GeoImageFeaturizerEstimator.Options.FromImageNet()</c>: channel means
        /// and standard deviations of layer1-layer4 at 224 px, averaged over four mirrored/rotated views. On EuroSAT (linear
        /// top-1, one seed) the adapted encoder scores 97.00% with those pools in one view, the ImageNet weights alone 97.17%: on
        /// frozen land-cover features this adaptation has not beaten the ImageNet weights yet. Change any setting after the call
        /// (e.g. ImageSize 64 for a quick CPU run).
        /// Needs the package Microsoft.ML.DnnImageFeaturizer.ResNet18 (or its DnnImageModels folder in <paramref name="modelsFolder"/>).
        /// </summary>
        /// <param name="modelsFolder">The DnnImageModels folder; null: the one beside the application.</param>
        public static Options FromImageNet(string? modelsFolder = null)
        {
            string folder = modelsFolder ?? Featurizer.EncoderFiles.DefaultImageNetFolder;
            return new Options
            {
                InitialWeightsPath = Path.Combine(folder, "ResNet18Onnx", "ResNet18.onnx"), InitialWeightsReverseChannels = true,
                MeanImageFile = Path.Combine(folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), Std = [1f / 255, 1f / 255, 1f / 255],
                FreezeBatchNormStatistics = true, FrozenStages = 2, LearningRate = 0.001, GeoHeadLearningRate = 0.1, Epochs = 3,
                Architecture = ResNetDepth.ResNet18, ImageSize = 224, FeaturizationImageSize = 224, PooledLayers = [1, 2, 3, 4],
                PoolStandardDeviation = true, TestTimeAugmentation = TestTimeAugmentation.Flips,
                BatchSize = 128, QueueSize = 1024, EncoderMomentum = 0.99,
            };
        }
    }
}
