using GeoSSL.Benchmarks;

// Usage: dotnet run --project benchmarks/GeoSSL.Benchmarks -c Release -- <command> [--options]
//   featurize-speed [--images 2000] [--size 64] [--depth 18] [--small-stem]
string command = args.FirstOrDefault() ?? "";
var options = new BenchmarkArgs(args.Skip(1));
switch (command)
{
    case "featurize-speed": FeaturizeSpeed.Run(options); return 0;
    default:
        Console.Error.WriteLine("Commands: featurize-speed");
        return 2;
}
