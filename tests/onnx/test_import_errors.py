"""Import mechanics: loading (.onnx through cnnengine.load, the convert command, save and reload
as .npz), weights from Constant / ConstantOfShape nodes, shape subgraphs folded with a free batch,
free spatial sizes, and bad files: truncated, cyclic, missing inputs, mismatched shapes,
unsupported operators and attributes, each a clear exception naming what is wrong."""
import numpy as np
import pytest

import cnnengine
from cnnengine.cli import main
from cnnengine.errors import GraphError, ModelFormatError
from cnnengine.onnx_import import OnnxImportError, import_onnx

from onnx_parity import assert_matches_ort, make_model, run_ort


def conv_relu_model(onnx, rng, batch="N", spatial=(8, 8)):
    helper = onnx.helper
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="conv"),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    inits = [("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
             ("b", rng.standard_normal(4).astype(np.float32))]
    return make_model(onnx, nodes, (batch, 3) + tuple(spatial), initializers=inits)


def test_load_convert_and_reload(onnx, ort, rng, tmp_path, capsys):
    path = tmp_path / "small.onnx"
    path.write_bytes(conv_relu_model(onnx, rng).SerializeToString())
    model = cnnengine.load(path)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    expected = run_ort(ort, path.read_bytes(), x)
    assert_matches_ort(model, x, expected)
    assert model.name == "small" and model.graph.metadata["source"] == {"format": "onnx", "opset": 17}
    assert main(["convert", str(path), str(tmp_path / "small.npz")]) == 0
    assert "wrote" in capsys.readouterr().out
    np.testing.assert_array_equal(cnnengine.load(tmp_path / "small.npz").predict(x), model.predict(x))


def test_convert_command_reports_problems(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "missing.onnx"), str(tmp_path / "out.npz")]) == 2
    assert "ONNX file not found" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "in.npz"), str(tmp_path / "out.npz")]) == 2
    assert "expected an .onnx file" in capsys.readouterr().err
    assert main(["convert", "--torchvision", "resnet18", "a.onnx", str(tmp_path / "out.npz")]) == 2
    assert "either an ONNX file or --torchvision" in capsys.readouterr().err


def test_weights_from_constant_and_constant_of_shape_nodes(onnx, ort, rng):
    helper = onnx.helper
    weight = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    nodes = [helper.make_node("Constant", [], ["w"], value=onnx.numpy_helper.from_array(weight)),
             helper.make_node("Constant", [], ["bias_shape"], value_ints=[4]),
             helper.make_node("ConstantOfShape", ["bias_shape"], ["b"],
                              value=onnx.numpy_helper.from_array(np.array([0.25], np.float32))),
             helper.make_node("Conv", ["x", "w", "b"], ["y"])]
    data = make_model(onnx, nodes, ("N", 3, 6, 6)).SerializeToString()
    graph = import_onnx(data)
    bias = next(v for k, v in graph.params.items() if k.endswith(".bias"))
    np.testing.assert_array_equal(bias, np.full(4, 0.25, np.float32))
    x = rng.standard_normal((1, 3, 6, 6)).astype(np.float32)
    assert_matches_ort(cnnengine.Model(graph), x, run_ort(ort, data, x))


def test_dynamic_batch_reshape_subgraph_folds_to_a_view(onnx, ort, rng):
    """x.view(x.size(0), -1) as exporters write it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    helper = onnx.helper
    nodes = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus_one"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["f"]),
             helper.make_node("Gemm", ["f", "w"], ["y"], transB=1)]
    inits = [("zero", np.array(0, np.int64)), ("axes", np.array([0], np.int64)),
             ("minus_one", np.array([-1], np.int64)), ("w", rng.standard_normal((5, 48)).astype(np.float32))]
    data = make_model(onnx, nodes, ("N", 3, 4, 4), initializers=inits, opset=13).SerializeToString()
    model = cnnengine.Model(import_onnx(data))
    assert [n.op for n in model.graph.nodes] == ["reshape", "linear"]
    for batch in (1, 4):
        x = rng.standard_normal((batch, 3, 4, 4)).astype(np.float32)
        assert_matches_ort(model, x, run_ort(ort, data, x))


def test_free_spatial_size(onnx, ort, rng):
    data = conv_relu_model(onnx, rng, spatial=("H", "W")).SerializeToString()
    model = cnnengine.Model(import_onnx(data))
    assert model.graph.inputs[0].shape == (3, None, None)
    for shape in ((1, 3, 5, 9), (2, 3, 16, 7)):
        x = rng.standard_normal(shape).astype(np.float32)
        assert_matches_ort(model, x, run_ort(ort, data, x))


def test_truncated_and_garbage_files(onnx, rng, tmp_path):
    data = conv_relu_model(onnx, rng).SerializeToString()
    for name, content in (("truncated", data[:len(data) // 2]), ("garbage", b"\x00\xffnot a model" * 10),
                          ("empty", b"")):
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(content)
        with pytest.raises(ModelFormatError, match=f"{name}.onnx"):
            cnnengine.load(path)


def test_cyclic_graph(onnx):
    helper = onnx.helper
    nodes = [helper.make_node("Relu", ["x2"], ["a"], name="first"), helper.make_node("Add", ["x", "a"], ["x2"],
                                                                                     name="second"),
             helper.make_node("Relu", ["a"], ["y"], name="last")]
    with pytest.raises(ModelFormatError, match="cycle"):
        import_onnx(make_model(onnx, nodes, ("N", 3, 4, 4)).SerializeToString())


def test_missing_input(onnx):
    node = onnx.helper.make_node("Add", ["x", "nowhere"], ["y"], name="adder")
    with pytest.raises(ModelFormatError, match=r"ONNX node #0 'adder' \(Add\) reads 'nowhere'"):
        import_onnx(make_model(onnx, [node], ("N", 3, 4, 4)).SerializeToString())


def test_mismatched_shapes(onnx, rng):
    helper = onnx.helper
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    wrong_weight = [("w", rng.standard_normal((4, 5, 3, 3)).astype(np.float32))]
    with pytest.raises(OnnxImportError, match=r"'conv' \(Conv\): weight of shape \(4, 5, 3, 3\) does not fit the input of shape \(N, 3, 8, 8\)"):
        import_onnx(make_model(onnx, [conv], ("N", 3, 8, 8), initializers=wrong_weight).SerializeToString())
    declared = make_model(onnx, conv_relu_model(onnx, rng).graph.node, ("N", 3, 8, 8), output_shape=["N", 4, 7, 7],
                          initializers=[(t.name, onnx.numpy_helper.to_array(t))
                                        for t in conv_relu_model(onnx, rng).graph.initializer])
    with pytest.raises(OnnxImportError, match=r"declared with shape \[None, 4, 7, 7\].*\[N, 4, 8, 8\]"):
        import_onnx(declared.SerializeToString())


def test_unsupported_operator_and_attribute_name_the_node(onnx):
    helper = onnx.helper
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="fine"), helper.make_node("Erf", ["r"], ["y"], name="odd")]
    with pytest.raises(OnnxImportError, match=r"ONNX node #1 'odd' \(Erf\): operator Erf is not supported"):
        import_onnx(make_model(onnx, nodes, ("N", 3, 4, 4)).SerializeToString())
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], unknown_flag=1)
    with pytest.raises(OnnxImportError, match=r"'pool' \(MaxPool\): attribute\(s\) \['unknown_flag'\]"):
        import_onnx(make_model(onnx, [pool], ("N", 3, 4, 4)).SerializeToString())
    dropout = [helper.make_node("Dropout", ["x"], ["d", "mask"], name="drop"),
               helper.make_node("Cast", ["mask"], ["y"], to=onnx.TensorProto.FLOAT)]
    with pytest.raises(OnnxImportError, match=r"'drop' \(Dropout\): the mask output"):
        import_onnx(make_model(onnx, dropout, ("N", 3, 4, 4)).SerializeToString())
    transpose = helper.make_node("Transpose", ["x"], ["y"], name="nhwc", perm=[0, 2, 3, 1])
    with pytest.raises(OnnxImportError, match=r"'nhwc' \(Transpose\).*perm \[0, 2, 3, 1\]"):
        import_onnx(make_model(onnx, [transpose], ("N", 3, 4, 4)).SerializeToString())


def test_inputs_cnnengine_cannot_take(onnx):
    helper = onnx.helper
    node = helper.make_node("Add", ["x", "z"], ["y"])
    graph = helper.make_graph([node], "two", [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [1, 3, 4, 4])
                                              for n in ("x", "z")],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    with pytest.raises(OnnxImportError, match="one input; this graph has 2"):
        import_onnx(helper.make_model(graph).SerializeToString())
    assert issubclass(OnnxImportError, GraphError)


def test_nodes_out_of_order_are_sorted_and_errors_give_the_file_index(onnx, rng):
    helper = onnx.helper
    nodes = [helper.make_node("Sigmoid", ["r"], ["y"], name="second"), helper.make_node("Relu", ["x"], ["r"],
                                                                                       name="first")]
    model = cnnengine.Model(import_onnx(make_model(onnx, nodes, ("N", 2, 3, 3)).SerializeToString()))
    x = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), 1 / (1 + np.exp(-np.maximum(x, 0))), rtol=1e-6)
    nodes[0] = helper.make_node("Erf", ["r"], ["y"], name="second")
    with pytest.raises(OnnxImportError, match=r"ONNX node #0 'second' \(Erf\)"):
        import_onnx(make_model(onnx, nodes, ("N", 2, 3, 3)).SerializeToString())
