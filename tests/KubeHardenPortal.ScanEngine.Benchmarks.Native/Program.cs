using KubeHardenPortal.ScanEngine.Benchmarks.Measurement;

// Started by `bench --native` exactly as the managed bench starts itself: "child --phase P --file F [--warmup W]".
return args is ["child", .. var rest]
    ? ChildCommand.Run(rest)
    : Fail();

static int Fail()
{
    Console.Error.WriteLine("usage: kh-bench-child child --phase parse|load|eval --file FILE [--warmup SMALL_FILE] (started by `bench --native`)");
    return 2;
}
