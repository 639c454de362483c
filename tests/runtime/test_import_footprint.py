"""Cold start: importing cnnengine, loading a model file and predicting an array pull in no heavy
optional library (they cost hundreds of milliseconds and megabytes; images, training, ONNX and the
benchmarks import theirs when used)."""
import json

from fresh_python import run_python

HEAVY = ["torch", "torchvision", "PIL", "scipy", "tqdm", "onnx", "onnxruntime", "matplotlib", "ray", "pyarrow"]


def test_import_load_and_predict_import_no_heavy_library():
    code = f"""
import json, sys
import numpy as np
import cnnengine
after_import = sorted(m for m in {HEAVY!r} if m in sys.modules)
model = cnnengine.load("fashion-lenet")
model.predict(np.zeros((1,) + tuple(model.inputs[0]["shape"][1:]), np.float32))
print(json.dumps([after_import, sorted(m for m in {HEAVY!r} if m in sys.modules)]))
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    after_import, after_predict = json.loads(result.stdout.strip().splitlines()[-1])
    assert after_import == [] and after_predict == []
