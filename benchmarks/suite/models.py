"""The benchmark models and their files, one set of random weights per model for every engine.

Each model is built once from torchvision (LeNet-5 by hand) with a fixed seed, its BatchNorm
statistics set from one random batch (see _calibrate_batch_norms); from that one
module the driver writes, into a cache folder outside the repository:
    weights.pt             its state_dict, which the PyTorch worker loads into the same architecture
    model.npz              cnnengine's converted model (cnnengine.convert.from_torch)
    model.onnx             ONNX (batch axis free) for ONNX Runtime and OpenVINO
    ncnn.param, ncnn.bin   ncnn's model, by pnnx from a TorchScript trace (fp32 weights)
The folder is named by model, seed and the torch / cnnengine versions; files are written under a
temporary name and renamed, so an interrupted export is redone, not reused. cnnengine's own file
is converted afresh on every run: it is the engine under work, and its converter may have changed.
"""
import contextlib
import io
import os
import subprocess
import tempfile
import warnings

SEED = 0

# name -> (torchvision constructor, or None for LeNet-5; input C x H x W; batches; table title)
MODELS = {
    "lenet5": (None, (1, 28, 28), (1, 64), "LeNet-5"),
    "alexnet": ("alexnet", (3, 224, 224), (1, 8), "AlexNet"),
    "vgg16": ("vgg16", (3, 224, 224), (1, 8), "VGG-16"),
    "googlenet": ("googlenet", (3, 224, 224), (1, 8), "GoogLeNet"),
    "resnet18": ("resnet18", (3, 224, 224), (1, 8), "ResNet-18"),
    "resnet50": ("resnet50", (3, 224, 224), (1, 8), "ResNet-50"),
}

# file each engine needs -> the export that makes it
FILES = {"weights": "weights.pt", "cnnengine": "model.npz", "onnx": "model.onnx", "ncnn": "ncnn.param"}


def input_shape(name):
    return MODELS[name][1]


def batches(name):
    return MODELS[name][2]


def title(name):
    return MODELS[name][3]


def default_cache_dir():
    return os.path.join(tempfile.gettempdir(), "cnnengine-bench-cache")


def torch_module(name, device=None):
    """The PyTorch module of `name` in eval mode; random weights (seeded) unless device="meta",
    which makes the structure only, for load_state_dict(..., assign=True)."""
    import torch
    import torchvision

    torch.manual_seed(SEED)
    arch = MODELS[name][0]
    with torch.device(device or "cpu"):
        if arch is None:
            nn = torch.nn
            features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
            classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                       nn.Linear(84, 10))
            module = nn.Sequential()
            module.add_module("features", features)
            module.add_module("flatten", nn.Flatten())
            module.add_module("classifier", classifier)
        else:
            kwargs = {"aux_logits": False, "init_weights": True} if arch == "googlenet" else {}
            module = getattr(torchvision.models, arch)(weights=None, **kwargs)
    if device != "meta":
        _calibrate_batch_norms(module, input_shape(name))
    return module.eval()


def _calibrate_batch_norms(module, shape):
    """Sets every BatchNorm's running mean and variance to those of one random batch, as training
    would. With the fresh statistics (0 and 1), activations shrink layer by layer: GoogLeNet's reach
    1e-11 and its logits are its biases alone, values no trained network has and on which denormal
    arithmetic can dominate the timings."""
    import torch

    norms = [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average: one batch sets the statistics
    module.train()
    with torch.no_grad():
        module(torch.randn((8,) + tuple(shape)))
    for norm in norms:
        norm.momentum = 0.1


def model_dir(cache_dir, name):
    import torch

    import cnnengine

    return os.path.join(cache_dir, f"{name}-seed{SEED}-bn-calibrated-torch{torch.__version__}"
                                   f"-cnnengine{cnnengine.__version__}")


def prepare(name, cache_dir, needed, refresh=False):
    """Writes the files in `needed` (keys of FILES) for model `name` unless cached; returns the folder."""
    import torch

    folder = model_dir(cache_dir, name)
    os.makedirs(folder, exist_ok=True)
    missing = [kind for kind in needed if refresh or kind == "cnnengine"
               or not os.path.exists(os.path.join(folder, FILES[kind]))]
    if not missing:
        return folder
    module = torch_module(name)
    example = torch.zeros((1,) + input_shape(name))
    # the exporters' prints and deprecation warnings would break the progress bar's line
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in missing:
            EXPORTS[kind](module, example, folder, name)
    return folder


def _final(folder, file_name):
    """(temporary path to write, commit function that renames it to the final name)."""
    final = os.path.join(folder, file_name)
    temporary = os.path.join(folder, "partial-" + file_name)
    return temporary, lambda: os.replace(temporary, final)


def _export_weights(module, example, folder, name):
    import torch

    path, commit = _final(folder, FILES["weights"])
    torch.save(module.state_dict(), path)
    commit()


def _export_cnnengine(module, example, folder, name):
    from cnnengine.convert import from_torch

    path, commit = _final(folder, FILES["cnnengine"])
    from_torch(module, example_shape=tuple(example.shape), name=name).save(path)
    commit()


def _export_onnx(module, example, folder, name):
    import torch

    path, commit = _final(folder, FILES["onnx"])
    torch.onnx.export(module, (example,), path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17, dynamo=False)
    commit()


def _export_ncnn(module, example, folder, name):
    """pnnx converts a TorchScript trace; its side files stay in a subfolder of the cache."""
    import pnnx
    import torch

    work = os.path.join(folder, "pnnx")
    os.makedirs(work, exist_ok=True)
    traced = os.path.join(work, "traced.pt")
    torch.jit.trace(module, example).save(traced)
    param, commit_param = _final(folder, "ncnn.param")
    weights, commit_weights = _final(folder, "ncnn.bin")
    shape = ",".join(map(str, example.shape))
    result = subprocess.run([pnnx.EXEC_PATH, traced, f"inputshape=[{shape}]", "fp16=0", f"ncnnparam={param}",
                             f"ncnnbin={weights}"], cwd=work, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"pnnx exited with status {result.returncode}: "
                           + ((result.stderr or result.stdout).strip().splitlines() or [""])[-1])
    commit_weights()
    commit_param()  # last: its presence marks the export complete


EXPORTS = {"weights": _export_weights, "cnnengine": _export_cnnengine, "onnx": _export_onnx, "ncnn": _export_ncnn}
