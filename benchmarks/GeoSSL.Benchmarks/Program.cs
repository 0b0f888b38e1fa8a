using GeoSSL.Benchmarks;

// Usage: dotnet run --project benchmarks/GeoSSL.Benchmarks -c Release -- <command> [--options]
//   featurize-speed [--images 2000] [--size 64] [--depth 18] [--small-stem]
//   step-speed [--depth 18] [--size 64] [--batch 128] [--frozen-stages 0] [--freeze-bn] [--bn-groups 4] [--no-heap-reuse] [--no-blur] [--no-jitter]: time of each part of a pretraining step
//   ablation [--epochs 8] [--variants MoCoV2,MoCoV2Geo,...] [--out runs/ablation] [--size 64] [--batch 128] [--queue 4096]
//            [--lr 0.03] [--train-per-class N] [--val-per-class N] [--skip-random] [--shared PATH] (see Ablation.cs for all)
//            [--imagenet [--freeze-bn] [--skip-dnn-featurizer]]: ImageNet rows (ML.NET's DnnFeaturizeImage at 224 px, the
//            imported weights at --size, and every variant started from them); --variants none runs no pretraining
//   probe [--encoders imagenet,runs/x/encoders/MoCoV2.ckpt] [--size 224] [--pooled-layers 1,2,3,4] [--pool-std] [--flip]
//            [--subsets "3,4;2,3,4+std"] [--l2 0.1,1] [--label-fractions 0.01,1] [--cache DIR] [--out runs/probe]: probe existing encoders
//   finetune [--inits random,imagenet,CKPT] [--size 64] [--epochs 5] [--label-fractions 0.01,0.1,1] [--min-steps 300] [--lr 0.01]:
//            GeoImageClassifier fine-tuned from each start with the same budget, on shares of the labels
//   replot [--out runs/ablation]   rewrites results.md/png from results.json
//   seed-summary [--out runs/probe]   summary.md/png: mean ± std over rows that differ only by "-seedN"
//   shared-machine [--size 64] [--batch 128] [--epochs 3] [--threads cores/2] [--max-tiles N]: two pretrainings at once vs one alone
//   streaming [--rows 10000,100000] [--batch 64] [--workers 2] [--capacity 4] [--max-seconds 30] [--skip-step] [--step-seconds 15]
//             [--out benchmarks/results/streaming-2026-11-29]: manifest read time, PNG/JPEG/GeoTIFF-window decode throughput and
//             peak memory while streaming synthetic Parquet manifests through the prefetcher; step rate in memory vs streaming
//   change-detection [--encoders random,imagenet,CKPT] [--modes frozen,finetuned] [--seeds 1,2,3] [--epochs 10] [--windows 512]
//             [--window 64] [--batch 8] [--lr 0.01] [--patience 4] [--out benchmarks/results/change-DATE]: OSCD change F1 per encoder
//   soak [--epochs 30] [--size 64] [--batch 128] [--threads N]: RSS and managed heap after every epoch of a long pretraining
string command = args.FirstOrDefault() ?? "";
var options = new BenchmarkArgs(args.Skip(1));
switch (command)
{
    case "featurize-speed": FeaturizeSpeed.Run(options); return 0;
    case "step-speed": StepSpeed.Run(options); return 0;
    case "probe": return ProbeEncoders.Run(options);
    case "finetune": return FineTuneEncoders.Run(options);
    case "ablation": return Ablation.Run(options);
    case "replot": return Ablation.Replot(options);
    case "seed-summary": return SeedSummary.Run(options);
    case "shared-machine": return SharedMachine.Run(options, args);
    case "shared-machine-child": return SharedMachine.Child(options);
    case "soak": return Soak.Run(options);
    case "streaming": return Streaming.Run(options, args);
    case "change-detection": return ChangeDetection.Run(options);
    default:
        Console.Error.WriteLine("Commands: featurize-speed, step-speed, ablation, probe, finetune, replot, shared-machine, soak, streaming");
        return 2;
}
