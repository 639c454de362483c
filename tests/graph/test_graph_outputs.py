"""Graph.with_outputs (any node tensor as an output, e.g. for embeddings) and penultimate_tensor."""
import numpy as np
import pytest

from cnnengine import GraphBuilder, GraphError, Model, zoo


def small_classifier():
    b = GraphBuilder("small", input_shape=(3, 8, 8), seed=0)
    x = b.relu(b.conv2d(b.input, 4, 3, padding=1, name="conv"), name="conv_relu")
    features = b.flatten(b.adaptive_avg_pool2d(x, 1, name="pool"), name="features")
    logits = b.linear(features, 5, name="fc")
    return b.build(outputs=[b.softmax(logits, name="probabilities")])


@pytest.mark.parametrize("name, expected", [("resnet18", "flatten"), ("googlenet", "dropout"),
                                            ("lenet5", "classifier.3")])
def test_penultimate_tensor_of_zoo_models(name, expected):
    assert zoo.build_graph(name, num_classes=10).penultimate_tensor() == expected


def test_penultimate_skips_parameterless_tail_and_with_outputs_runs_it(rng):
    graph = small_classifier()
    assert graph.penultimate_tensor() == "features"
    both = Model(graph.with_outputs(["probabilities", "features"]))
    x = rng.standard_normal((3, 3, 8, 8)).astype(np.float32)
    probabilities, features = both.predict(x)
    assert features.shape == (3, 4)
    np.testing.assert_array_equal(probabilities, Model(graph).predict(x))
    # The features are the pooled ReLU'd conv, computed by hand from the conv alone.
    conv = Model(graph.with_outputs(["conv_relu"])).predict(x)
    np.testing.assert_allclose(features, conv.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)
    assert graph.outputs == ["probabilities"]  # the original is untouched


def test_with_outputs_refuses_unknown_tensors():
    graph = small_classifier()
    with pytest.raises(GraphError, match="nope"):
        graph.with_outputs(["nope"])
    with pytest.raises(GraphError, match="no outputs given"):
        graph.with_outputs([])
    with pytest.raises(GraphError, match="input"):
        graph.with_outputs(["input"])


def test_penultimate_needs_a_layer_with_parameters():
    b = GraphBuilder("pool_only", input_shape=(3, 4, 4))
    graph = b.build(outputs=[b.flatten(b.adaptive_avg_pool2d(b.input, 1))])
    with pytest.raises(GraphError, match="no layer with parameters"):
        graph.penultimate_tensor()
