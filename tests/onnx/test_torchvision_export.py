"""torchvision networks exported with torch.onnx.export (opsets 11, 13, 17; static and dynamic
batch) run by cnnengine.load against ONNX Runtime on the same file. Random init with BatchNorm
statistics perturbed (the exporter folds BN into the convs; ours must match anyway), 10 classes
and 64x64 inputs to keep CI short; dynamic files run at batch 1 and 3, static ones at batch 2."""
import numpy as np
import pytest

import cnnengine

from onnx_parity import assert_matches_ort, run_ort

SIZE = 64
# (network, opset, dynamic batch): every network at least once, every opset both ways.
CASES = [("resnet18", 11, False), ("resnet18", 13, True), ("resnet18", 17, True), ("mobilenet_v2", 11, True),
         ("mobilenet_v2", 17, False), ("mobilenet_v3_small", 13, False), ("mobilenet_v3_small", 17, True),
         ("squeezenet1_0", 11, False), ("squeezenet1_1", 13, True), ("googlenet", 17, True)]


def export(torch, tmp_path, name, opset, dynamic):
    import torchvision

    torch.manual_seed(0)
    kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    network = getattr(torchvision.models, name)(weights=None, num_classes=10, **kwargs).eval()
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.3, 0.3)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.3, 0.3)
    batch = 1 if dynamic else 2
    path = tmp_path / f"{name}_opset{opset}.onnx"
    dynamic_axes = {"input": {0: "batch"}, "logits": {0: "batch"}} if dynamic else None
    torch.onnx.export(network, torch.randn(batch, 3, SIZE, SIZE), str(path), opset_version=opset, dynamo=False,
                      input_names=["input"], output_names=["logits"], dynamic_axes=dynamic_axes)
    return path


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name,opset,dynamic", CASES, ids=[f"{n}-opset{o}-{'dyn' if d else 'static'}" for n, o, d in CASES])
def test_exported_torchvision_network_matches_onnxruntime(torch, onnx, ort, tmp_path, rng, name, opset, dynamic):
    path = export(torch, tmp_path, name, opset, dynamic)
    model = cnnengine.load(path, num_threads=2)
    assert model.graph.inputs[0].shape == (3, SIZE, SIZE)
    for batch in (1, 3) if dynamic else (2,):
        x = rng.standard_normal((batch, 3, SIZE, SIZE)).astype(np.float32)
        reference = run_ort(ort, path.read_bytes(), x)
        assert_matches_ort(model, x, reference)
