"""Transfer learning: freezing (frozen BatchNorm keeps its running statistics), a new head with new
labels that survives save and cnnengine.load, and Model.evaluate."""
import numpy as np
import pytest

import cnnengine
from cnnengine import zoo
from cnnengine.errors import GraphError
from cnnengine.training.optim import SGD
from cnnengine.training.transfer import freeze, replace_head, unfreeze


def sgd_steps(model, rng, steps=2, size=32, batch=4, classes=10):
    optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
        optimizer.step(model.trainer.loss_and_grads(x, rng.integers(0, classes, batch))[2])


def test_frozen_layers_and_batch_norm_do_not_change(rng):
    model = zoo.create("resnet18", num_classes=10, seed=0).train()
    frozen = freeze(model, prefixes=["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"])
    assert "layer1.0.bn1.running_mean" in frozen and "fc.weight" not in frozen
    assert model.trainer.trainable() == ["fc.weight", "fc.bias"]
    before = {name: value.copy() for name, value in model.graph.params.items()}
    sgd_steps(model, rng)
    for name, value in model.graph.params.items():
        if name.startswith("fc."):
            assert not np.array_equal(value, before[name]), name
        else:  # weights, BN affine parameters and BN running statistics alike
            np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_unfrozen_batch_norm_updates_its_running_statistics(rng):
    model = zoo.create("resnet18", num_classes=10, seed=0).train()
    freeze(model, prefixes=["layer"])
    before = model.graph.params["bn1.running_mean"].copy()
    frozen_before = model.graph.params["layer1.0.bn1.running_var"].copy()
    sgd_steps(model, rng, steps=1)
    assert not np.array_equal(model.graph.params["bn1.running_mean"], before)
    np.testing.assert_array_equal(model.graph.params["layer1.0.bn1.running_var"], frozen_before)
    unfreeze(model)
    assert "layer1.0.conv1.weight" in model.trainer.trainable()


def test_freeze_up_to_a_node_and_bad_names():
    model = zoo.create("lenet5", seed=0)
    frozen = freeze(model, up_to="features.3")
    assert frozen == ["features.0.bias", "features.0.weight", "features.3.bias", "features.3.weight"]
    with pytest.raises(GraphError, match="no parameter starts with"):
        freeze(model, prefixes=["nope"])
    with pytest.raises(GraphError, match="no node named"):
        freeze(model, up_to="nope")
    with pytest.raises(GraphError, match="no parameter named"):
        freeze(model, names=["nope"])


def test_new_head_trains_saves_and_serves_new_labels(rng, tmp_path):
    model = zoo.create("resnet18", num_classes=10, seed=0)
    freeze(model, prefixes=["conv1", "bn1", "layer"])
    labels = ["cat", "dog", "fox"]
    tuned = replace_head(model, 3, labels=labels, seed=1).train()
    assert tuned.trainer.trainable() == ["fc.weight", "fc.bias"]
    assert model.graph.params["fc.weight"].shape == (10, 512)  # the original is untouched
    sgd_steps(tuned, rng, classes=3)
    tuned.eval()
    path = tmp_path / "tuned.npz"
    tuned.save(path)
    served = cnnengine.load(path)
    assert served.labels == labels
    x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(served.predict(x), tuned.predict(x), rtol=1e-5, atol=1e-6)
    assert {label for label, _ in served.classify(x, top=3)} == set(labels)


def test_googlenet_head_replacement_covers_the_auxiliary_classifiers():
    tuned = replace_head(zoo.create("googlenet", num_classes=10, seed=0), 4)
    assert {tuned.graph.params[n].shape for n in ("fc.weight", "aux1.fc2.weight", "aux2.fc2.weight")} == {(4, 1024)}


def test_evaluate_top_k_per_class_and_raw_images(rng):
    model = zoo.create("lenet5", seed=0)
    images = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    x = (images[:, None].astype(np.float32) / 255 - 0.5) / 0.5  # the stored recipe, by hand
    logits = model.predict(x)
    y = np.argsort(-logits, axis=1)[:, 1]  # every label is the second guess
    result = model.evaluate(images, y, topk=(1, 2, 5))
    assert result["top1"] == 0 and result["top2"] == 1 and result["top5"] == 1 and result["count"] == 40
    assert set(result["per_class"].values()) == {0.0}
    assert model.evaluate(x, np.argmax(logits, axis=1), topk=(1,))["top1"] == 1
    with pytest.raises(ValueError, match="labels"):
        model.evaluate(x, y[:3])
