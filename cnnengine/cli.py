"""The `cnnengine` command (also `python -m cnnengine.cli`).

    cnnengine convert --torchvision resnet18 [--weights IMAGENET1K_V1] [--num-classes N] OUT.npz
    cnnengine predict MODEL IMAGE... [--top 5] [--threads N]
    cnnengine info MODEL
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
    except ImportError as error:  # convert without torch / torchvision
        print(f"cnnengine {args.command}: error: {error} (conversion needs torch and torchvision)",
              file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnnengine", description="Run and convert CNNs on the CPU.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    convert = commands.add_parser("convert", help="convert a PyTorch model to a cnnengine model file (.npz)")
    convert.add_argument("--torchvision", required=True, metavar="ARCH",
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
    predict.set_defaults(run=_predict)

    info = commands.add_parser("info", help="describe a model file")
    info.add_argument("model", metavar="MODEL", help="model file (.npz)")
    info.set_defaults(run=_info)

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


def _convert(args) -> int:
    from cnnengine.convert import convert_torchvision

    model = convert_torchvision(args.torchvision, weights=args.weights, num_classes=args.num_classes,
                                verify=not args.no_verify)
    model.save(args.output)
    print(f"wrote {args.output}: {model.name}, {len(model.graph.nodes)} nodes, "
          f"{sum(p.size for p in model.graph.params.values()):,} parameters")
    return 0


def _predict(args) -> int:
    from cnnengine.model import load

    model = load(args.model, num_threads=args.threads)
    for path in args.images:
        ranked = model.classify(path, top=args.top)
        width = max(len(label) for label, _ in ranked)
        print(path)
        for label, probability in ranked:
            print(f"  {label:<{width}}  {probability:.4f}")
    return 0


def _info(args) -> int:
    from cnnengine.model import load

    model = load(args.model)
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
