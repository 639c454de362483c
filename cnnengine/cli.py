"""The `cnnengine` command (also `python -m cnnengine.cli`).

    cnnengine convert --torchvision resnet18 [--weights IMAGENET1K_V1] [--num-classes N] OUT.npz
    cnnengine convert MODEL.onnx OUT.npz
    cnnengine predict MODEL IMAGE... [--top 5] [--threads N] [--batch-size 8] [--json]
    cnnengine info MODEL [--json]
    cnnengine batch-predict MODEL 'images/**/*.jpg' --out preds.parquet [--top 5] [--embeddings] [--raw]
              [--ray-address auto|ADDRESS | --local] [--batch-size N] [--workers N] [--threads N]
    cnnengine serve MODEL [--host 127.0.0.1] [--port 8000] [--workers 1] ...   (pip install .[serve])
    cnnengine bench MODEL [--batch 1 8] [--threads 1 2] [--runs 20] [--warmup 3] [--size H W] [--layers]
    cnnengine train / finetune --model MODEL --data DATA --output OUT.npz   (cnnengine.training.commands)

Problems the user can fix (a missing or unreadable file, a bad model, an unknown architecture)
print one line on stderr and exit with status 2, without a traceback.
"""
import argparse
import json
import sys
from typing import List, Optional

from cnnengine.errors import CnnEngineError

EXIT_USAGE = 2


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (CnnEngineError, OSError) as error:
        print(f"cnnengine {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as error:  # convert without torch / torchvision or onnx, serve without its extra
        hint = " (conversion needs torch and torchvision, or onnx)" if args.command == "convert" else ""
        print(f"cnnengine {args.command}: error: {error}{hint}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnnengine", description="Run and convert CNNs on the CPU.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    convert = commands.add_parser("convert", help="convert a PyTorch or ONNX model to a cnnengine model file (.npz)")
    convert.add_argument("source", nargs="?", metavar="MODEL.onnx", help="ONNX file to convert (or use --torchvision)")
    convert.add_argument("--torchvision", metavar="ARCH",
                         help="torchvision classification model, e.g. resnet18, vgg16_bn, googlenet")
    convert.add_argument("--weights", metavar="NAME",
                         help="torchvision weights, e.g. IMAGENET1K_V1 or DEFAULT (downloaded: needs internet); "
                              "random init when left out")
    convert.add_argument("--num-classes", type=int, default=1000, metavar="N", help="classes (default 1000)")
    convert.add_argument("--no-verify", action="store_true", help="skip the comparison with PyTorch")
    convert.add_argument("output", metavar="OUT.npz", help="model file to write")
    convert.set_defaults(run=_convert)

    predict = commands.add_parser("predict", help="classify images with a model file")
    predict.add_argument("model", metavar="MODEL", help="model file (.npz)")
    predict.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    predict.add_argument("--top", type=_positive, default=5, metavar="K", help="classes shown per image (default 5)")
    predict.add_argument("--threads", type=_positive, metavar="N", help="threads (default: all)")
    predict.add_argument("--batch-size", type=_positive, default=8, metavar="B",
                         help="images run through the network together (default 8)")
    predict.add_argument("--json", action="store_true", help="print JSON: [{image, top: [{label, probability}]}]")
    predict.set_defaults(run=_predict)

    info = commands.add_parser("info", help="describe a model file")
    info.add_argument("model", metavar="MODEL", help="model file (.npz)")
    info.add_argument("--json", action="store_true", help="print the description as JSON")
    info.set_defaults(run=_info)

    batch = commands.add_parser("batch-predict", help="predict over an image collection, results to Parquet "
                                                      "(on Ray when installed, else in-process)")
    batch.add_argument("model", metavar="MODEL", help="model file (.npz)")
    batch.add_argument("sources", metavar="SOURCE", nargs="+",
                       help="a glob (quote it), a directory, a .parquet/.csv file of paths, or image files")
    batch.add_argument("--out", required=True, help="output directory of Parquet parts; re-running resumes")
    batch.add_argument("--top", type=_non_negative, default=5, metavar="K", help="top-k classes (0: none; default 5)")
    batch.add_argument("--embeddings", action="store_true", help="also write the penultimate layer's output")
    batch.add_argument("--raw", action="store_true", help="also write the raw network outputs")
    engine = batch.add_mutually_exclusive_group()
    engine.add_argument("--ray-address", metavar="ADDRESS", help="Ray cluster to run on ('auto': the running one)")
    engine.add_argument("--local", action="store_true", help="run in this process with a thread pool, not on Ray")
    batch.add_argument("--batch-size", type=_positive, default=16, metavar="N", help="images per predict call")
    batch.add_argument("--workers", type=_positive, metavar="N", help="Ray actors or local threads")
    batch.add_argument("--threads", type=_positive, metavar="N", help="engine threads per worker")
    batch.add_argument("--column", default="path", help="column of image paths in a table source (default path)")
    batch.set_defaults(run=_batch_predict)
    serve = commands.add_parser("serve", help="serve a model over HTTP (needs pip install 'cnnengine[serve]')")
    serve.add_argument("model", metavar="MODEL", help="model file (.npz)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, metavar="W",
                       help="worker processes; the CPUs are split between them (default 1)")
    serve.add_argument("--threads", type=_positive, metavar="N", help="threads per worker (default: CPUs / workers)")
    serve.add_argument("--max-batch", type=_positive, default=8, metavar="B",
                       help="most samples per network call; 1 turns micro-batching off (default 8)")
    serve.add_argument("--max-wait-ms", type=float, default=5.0, metavar="MS",
                       help="longest wait for more requests to fill a batch (default 5)")
    serve.add_argument("--max-body-bytes", type=_positive, default=20 * 1024 * 1024, metavar="BYTES",
                       help="larger request bodies get 413 (default 20 MiB)")
    serve.set_defaults(run=_serve)
    bench = commands.add_parser("bench", help="latency and throughput of a model file on this machine")
    bench.add_argument("model", metavar="MODEL", help="model file (.npz)")
    bench.add_argument("--batch", type=_positive, nargs="+", default=[1], metavar="N", help="batch sizes (default 1)")
    bench.add_argument("--threads", type=_positive, nargs="+", metavar="N", help="thread counts (default: all)")
    bench.add_argument("--runs", type=_positive, default=20, metavar="N", help="timed calls per case (default 20)")
    bench.add_argument("--warmup", type=_positive, default=3, metavar="N", help="untimed calls first (default 3)")
    bench.add_argument("--size", type=_positive, nargs=2, metavar=("H", "W"),
                       help="input height and width, for models that accept any size (default: the stored one)")
    bench.add_argument("--layers", action="store_true",
                       help="also time every layer as run (after fusion) and print where the time goes")
    bench.set_defaults(run=_bench)
    from cnnengine.training.commands import add_training_commands

    add_training_commands(commands)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative(text: str) -> int:
    return 0 if text.strip() == "0" else _positive(text)


def _convert(args) -> int:
    if (args.source is None) == (args.torchvision is None):
        raise CnnEngineError("give either an ONNX file or --torchvision ARCH")
    if args.source is not None:
        from cnnengine.model import load

        if not args.source.lower().endswith(".onnx"):
            raise CnnEngineError(f"{args.source}: expected an .onnx file")
        model = load(args.source)
    else:
        from cnnengine.convert import convert_torchvision

        model = convert_torchvision(args.torchvision, weights=args.weights, num_classes=args.num_classes,
                                    verify=not args.no_verify)
    model.save(args.output)
    print(f"wrote {args.output}: {model.name}, {len(model.graph.nodes)} nodes, "
          f"{sum(p.size for p in model.graph.params.values()):,} parameters")
    return 0


def _predict(args) -> int:
    from cnnengine.model import load
    from cnnengine.ranking import top_k

    model = load(args.model, num_threads=args.threads)
    results = []
    for start in range(0, len(args.images), args.batch_size):
        paths = args.images[start:start + args.batch_size]
        logits = model.predict(paths)
        ranked = top_k(logits[0] if isinstance(logits, tuple) else logits, model.labels, args.top)
        results.extend(zip(paths, ranked))
    if args.json:
        print(json.dumps([{"image": path, "top": [{"label": label, "probability": probability}
                                                  for label, probability in best]} for path, best in results]))
        return 0
    for path, best in results:
        width = max(len(label) for label, _ in best)
        print(path)
        for label, probability in best:
            print(f"  {label:<{width}}  {probability:.4f}")
    return 0


def _serve(args) -> int:
    from cnnengine.serve.server import serve

    serve(args.model, host=args.host, port=args.port, workers=args.workers, threads=args.threads,
          max_batch=args.max_batch, max_wait_ms=args.max_wait_ms, max_body_bytes=args.max_body_bytes)
    return 0


def _info(args) -> int:
    from cnnengine.model import load

    model = load(args.model)
    if args.json:
        print(json.dumps(model.describe()))
        return 0
    labels, graph = model.labels, model.graph
    print(f"name:          {model.name}")
    for spec in model.inputs:
        shape = " x ".join("?" if d is None else str(d) for d in spec["shape"])
        print(f"input:         {spec['name']}  {shape}  {spec['dtype']}" + _canonical(graph))
    for spec in model.outputs:
        shape = _output_shape(graph, spec)
        print(f"output:        {spec['name']}  {shape}  {spec['dtype']}")
    print(f"labels:        {len(labels) if labels else 'none'}" +
          (f" ({', '.join(labels[:3])}{', ...' if len(labels) > 3 else ''})" if labels else ""))
    recipe = model.preprocessing
    print(f"preprocessing: {json.dumps(recipe, sort_keys=True) if recipe else 'none (give float32 N x C x H x W arrays)'}")
    print()
    print(model.summary())
    return 0


def _batch_predict(args) -> int:
    from cnnengine.batch import predict_images
    from cnnengine.batch.sources import resolve_paths

    # Several SOURCEs (e.g. a glob the shell expanded) are each resolved and joined in order.
    source = args.sources[0] if len(args.sources) == 1 else \
        [path for source in args.sources for path in resolve_paths(source, args.column)]
    report = predict_images(args.model, source, args.out, top=args.top, embeddings=args.embeddings, raw=args.raw,
                            engine="local" if args.local else "auto", ray_address=args.ray_address,
                            batch_size=args.batch_size, workers=args.workers, threads=args.threads,
                            path_column=args.column, progress=True)
    print(report.summary())
    return 0


def _bench(args) -> int:
    from cnnengine.bench import bench, input_shape, layer_profile
    from cnnengine.model import load
    from cnnengine.runtime import get_num_threads

    model = load(args.model)
    input_shape(model, 1, args.size)  # a size that does not fit fails before the table starts
    print(f"{model.name}: {args.runs} timed calls per case after {args.warmup} warm-up, random float32 input")
    print(f"{'input':<22} {'threads':>7} {'median ms':>10} {'p90 ms':>10} {'min ms':>10} {'img/s':>10}")
    for threads in args.threads or [get_num_threads()]:
        model.num_threads = threads
        for batch in args.batch:
            result = bench(model, batch, args.runs, args.warmup, args.size)
            shape = " x ".join(map(str, result["shape"]))
            print(f"{shape:<22} {threads:>7} {result['median_ms']:>10.3f} {result['p90_ms']:>10.3f} "
                  f"{result['min_ms']:>10.3f} {result['images_per_s']:>10.1f}")
            if args.layers:
                _print_layer_profile(layer_profile(model, batch, args.runs, args.warmup, args.size))
    return 0


def _print_layer_profile(rows) -> None:
    """The per-layer medians under a bench row, indented, with each layer's share of their sum."""
    name_width = max(len("layer"), *(len(row["name"]) for row in rows))
    op_width = max(len("op"), *(len(row["op"]) for row in rows))
    print(f"    {'layer':<{name_width}}  {'op':<{op_width}}  {'algorithm':<16} {'median ms':>10} {'share':>7}")
    for row in rows:
        print(f"    {row['name']:<{name_width}}  {row['op']:<{op_width}}  {row['algorithm']:<16} "
              f"{row['median_ms']:>10.3f} {row['share']:>7.1%}")


def _canonical(graph) -> str:
    """ "  (canonical 3 x 224 x 224)" for inputs with a free size and a size in the metadata."""
    size = graph.metadata.get("input_shape")
    if size and any(d is None for d in graph.inputs[0].shape):
        return f"  (canonical {' x '.join(map(str, size))})"
    return ""


def _output_shape(graph, spec) -> str:
    if spec["shape"]:
        return " x ".join(map(str, spec["shape"]))
    size = graph.metadata.get("input_shape")
    try:
        shape = graph.infer_shapes({graph.inputs[0].name: (1,) + tuple(size)})[spec["name"]]
    except (TypeError, KeyError, ValueError):  # no usable canonical size
        return "depends on the input size"
    return " x ".join(["N"] + [str(d) for d in shape[1:]]) + " (for the canonical input)"


if __name__ == "__main__":
    sys.exit(main())
