"""LeNet-5 (LeCun et al. 1998) in its common modern form: ReLU and max pooling, 1x28x28 input
(the first conv pads by 2 to give the paper's 32x32 field), 6-16 channels, 120-84-classes.

Layers are named like a torch.nn.Sequential pair, so this PyTorch module loads by name:

    features = Sequential(Conv2d(1, 6, 5, padding=2), ReLU(), MaxPool2d(2),
                          Conv2d(6, 16, 5), ReLU(), MaxPool2d(2))
    classifier = Sequential(Linear(400, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, num_classes))
    forward: classifier(flatten(features(x), 1))
"""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import Sequential, register

PREPROCESSING = {"mode": "L", "resize": 28, "crop": 28, "mean": [0.5], "std": [0.5], "scale": 1 / 255}


def lenet_graph(name, num_classes=10, seed=0):
    """LeNet-5 for 1x28x28 (grayscale) input."""
    b = GraphBuilder(name, input_shape=(1, 28, 28), seed=seed)
    features = Sequential(b, "features")
    x = b.input
    for channels, padding in ((6, 2), (16, 0)):
        x = features.max_pool2d(features.relu(features.conv2d(x, channels, 5, padding=padding)), 2)
    classifier = Sequential(b, "classifier")
    x = b.flatten(x, name="flatten")
    for width in (120, 84):
        x = classifier.relu(classifier.linear(x, width))
    x = classifier.linear(x, num_classes)
    return b.build(outputs=[x], metadata={"preprocessing": dict(PREPROCESSING)})


lenet5 = register("lenet5", lenet_graph)
