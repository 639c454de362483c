"""A small saved classifier with labels and the ImageNet recipe, for the CLI and server tests."""
import pytest

from cnnengine import GraphBuilder
from cnnengine.preprocess import IMAGENET_RECIPE

LABELS = ["cat", "dog", "fish", "bird"]


@pytest.fixture(scope="module")
def classifier_file(tmp_path_factory):
    """(model, path of its .npz): conv -> ReLU -> global pool -> 4 classes, any input size."""
    b = GraphBuilder("tiny_classifier", input_shape=(3, 224, 224), seed=5)
    x = b.relu(b.conv2d(b.input, 8, 3, stride=4, name="conv"))
    x = b.linear(b.flatten(b.adaptive_avg_pool2d(x, 1)), 4, name="fc")
    model = b.build_model([x], metadata={"labels": LABELS, "preprocessing": dict(IMAGENET_RECIPE)}, free_spatial=True)
    path = tmp_path_factory.mktemp("classifier") / "tiny_classifier.npz"
    model.save(path)
    return model, path
