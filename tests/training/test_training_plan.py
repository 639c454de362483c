"""The training plan folds a ReLU into the max pool that is its only consumer (pool, then ReLU on
the pooled map) and leaves it alone when anything else reads the ReLU's output; folded or not,
the gradients are the same."""
import numpy as np
import pytest

from cnnengine import zoo
from cnnengine.builder import GraphBuilder
from cnnengine.training.ops import RELU_MAX_POOL, get_train_op, training_plan


def folded(plan):
    return [(node.name, inputs) for node, op, inputs in plan if op is RELU_MAX_POOL]


def unfolded_plan(graph):
    return [(node, get_train_op(node), list(node.inputs)) for node in graph.nodes]


def branches():
    """conv -> relu 'shared' -> max pool, with 'shared' also read by an average pool; and
    conv -> relu 'alone' -> max pool, whose ReLU has no other reader."""
    b = GraphBuilder("branches", input_shape=(2, 8, 8), seed=0)
    shared = b.relu(b.conv2d(b.input, 4, 3, padding=1, name="conv_a"), name="shared")
    alone = b.relu(b.conv2d(b.input, 4, 3, padding=1, name="conv_b"), name="alone")
    merged = b.add(b.add(b.max_pool2d(shared, 2, name="pool_a"), b.avg_pool2d(shared, 2, name="side")),
                   b.max_pool2d(alone, 2, name="pool_b"))
    return b, b.linear(b.flatten(merged), 3, name="head")


def test_lenet_pools_take_their_relus_inputs():
    plan = training_plan(zoo.build_graph("lenet5"))
    assert folded(plan) == [("features.2", ["features.0"]), ("features.5", ["features.3"])]
    assert not {"features.1", "features.4"} & {node.name for node, _, _ in plan}


def test_a_relu_read_elsewhere_is_not_folded():
    b, head = branches()
    plan = training_plan(b.build(outputs=[head]))
    assert folded(plan) == [("pool_b", ["conv_b"])]
    assert "shared" in {node.name for node, _, _ in plan}


@pytest.mark.parametrize("name", ["lenet5", "branches"])
def test_folded_and_unfolded_plans_give_the_same_gradients(name, rng):
    if name == "lenet5":
        model = zoo.create("lenet5", num_classes=10, seed=0).train()
        x = rng.standard_normal((6, 1, 28, 28)).astype(np.float32)
    else:
        b, head = branches()
        model = b.build_model(outputs=[head]).train()
        x = rng.standard_normal((6, 2, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 6)
    loss, logits, grads = model.trainer.loss_and_grads(x, labels)
    model.trainer.plan = unfolded_plan(model.graph)
    loss_unfolded, logits_unfolded, grads_unfolded = model.trainer.loss_and_grads(x, labels)
    assert loss == loss_unfolded
    np.testing.assert_array_equal(logits, logits_unfolded)
    assert grads.keys() == grads_unfolded.keys()
    for key in grads:
        np.testing.assert_array_equal(grads[key], grads_unfolded[key], err_msg=key)
