"""VGG (Simonyan & Zisserman 2014), torchvision's configurations A, B, D and E as vgg11, vgg13,
vgg16 and vgg19, plain or with batch norm after every conv (*_bn). Layer indices follow
torchvision's `features` Sequential (conv [, bn], relu, ..., 'M' -> max pool 2x2), then an
adaptive 7x7 average pool (any input size; canonical 224x224) and classifier.0/3/6."""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import Sequential, classifier_head, imagenet_preprocessing, register

CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}


def vgg_graph(name, num_classes=1000, seed=0, *, config, batch_norm):
    """VGG: 3x3 convs (padding 1) and 2x2 max pools, then 4096-4096-classes with dropout 0.5."""
    b = GraphBuilder(name, input_shape=(3, 224, 224), seed=seed)
    seq = Sequential(b, "features")
    x = b.input
    for item in CONFIGS[config]:
        if item == "M":
            x = seq.max_pool2d(x, 2, 2)
            continue
        x = seq.conv2d(x, item, 3, padding=1)
        if batch_norm:
            x = seq.batch_norm(x)
        x = seq.relu(x)
    x = b.adaptive_avg_pool2d(x, 7, name="avgpool")
    x = classifier_head(b, b.flatten(x, name="flatten"), 4096, num_classes, dropout_first=False)
    return b.build(outputs=[x], metadata={"preprocessing": imagenet_preprocessing()}, free_spatial=True)


vgg11, vgg13, vgg16, vgg19 = (register(config, vgg_graph, config=config, batch_norm=False) for config in CONFIGS)
vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn = (register(config + "_bn", vgg_graph, config=config, batch_norm=True)
                                          for config in CONFIGS)
