"""AlexNet, two ways.

alexnet: torchvision's version (after Krizhevsky's "One weird trick", 2014): 64-192-384-256-256
channels, no LRN, no groups, adaptive 6x6 average pool (any input size; canonical 224x224).

alexnet_original: the 2012 paper's network (Krizhevsky, Sutskever & Hinton) on 227x227 input:
96-256-384-384-256 channels, conv1 11x11 stride 4 without padding, local response normalisation
after the ReLU of conv1 and conv2 (size 5, alpha 1e-4, beta 0.75, k 2; PyTorch's
LocalResponseNorm convention, which divides alpha by size as Caffe does), 3x3 stride-2
overlapping max pools, and the paper's two-GPU split as groups=2 on conv2, conv4 and conv5.
The last pool gives 256x6x6, so fc6 has 9216 inputs. Its PyTorch twin:

    features = Sequential(Conv2d(3, 96, 11, stride=4), ReLU(), LocalResponseNorm(5, 1e-4, 0.75, 2),
                          MaxPool2d(3, 2), Conv2d(96, 256, 5, padding=2, groups=2), ReLU(),
                          LocalResponseNorm(5, 1e-4, 0.75, 2), MaxPool2d(3, 2),
                          Conv2d(256, 384, 3, padding=1), ReLU(),
                          Conv2d(384, 384, 3, padding=1, groups=2), ReLU(),
                          Conv2d(384, 256, 3, padding=1, groups=2), ReLU(), MaxPool2d(3, 2))
    classifier: as torchvision's AlexNet (Dropout, Linear(9216, 4096), ReLU, Dropout,
                Linear(4096, 4096), ReLU, Linear(4096, num_classes))
"""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import Sequential, classifier_head, imagenet_preprocessing, register

# (out channels, kernel, stride, padding, groups, LRN after the ReLU, max pool after)
TORCHVISION_FEATURES = [(64, 11, 4, 2, 1, False, True), (192, 5, 1, 2, 1, False, True),
                        (384, 3, 1, 1, 1, False, False), (256, 3, 1, 1, 1, False, False),
                        (256, 3, 1, 1, 1, False, True)]
ORIGINAL_FEATURES = [(96, 11, 4, 0, 1, True, True), (256, 5, 1, 2, 2, True, True),
                     (384, 3, 1, 1, 1, False, False), (384, 3, 1, 1, 2, False, False),
                     (256, 3, 1, 1, 2, False, True)]
LRN = {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2.0}


def alexnet_graph(name, num_classes=1000, seed=0, *, features, size, adaptive_pool):
    """AlexNet: five conv layers, three fully connected (dropout 0.5 before the hidden ones)."""
    b = GraphBuilder(name, input_shape=(3, size, size), seed=seed)
    seq = Sequential(b, "features")
    x = b.input
    for channels, kernel, stride, padding, groups, lrn, pool in features:
        x = seq.relu(seq.conv2d(x, channels, kernel, stride=stride, padding=padding, groups=groups))
        if lrn:
            x = seq.lrn(x, **LRN)
        if pool:
            x = seq.max_pool2d(x, 3, 2)
    if adaptive_pool:
        x = b.adaptive_avg_pool2d(x, 6, name="avgpool")
    x = classifier_head(b, b.flatten(x, name="flatten"), 4096, num_classes, dropout_first=True)
    return b.build(outputs=[x], metadata={"preprocessing": imagenet_preprocessing(crop=size)},
                   free_spatial=adaptive_pool)


alexnet = register("alexnet", alexnet_graph, features=TORCHVISION_FEATURES, size=224, adaptive_pool=True)
alexnet_original = register("alexnet_original", alexnet_graph, features=ORIGINAL_FEATURES, size=227,
                            adaptive_pool=False)
