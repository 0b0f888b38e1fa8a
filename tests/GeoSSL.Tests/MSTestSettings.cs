// Tests share TorchSharp's global thread pool and seeds; run them one after another.
[assembly: DoNotParallelize]
