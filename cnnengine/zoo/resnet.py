"""ResNet (He et al. 2015) as torchvision builds it: resnet18/34 with BasicBlock, resnet50/101/152
with Bottleneck (torchvision's "v1.5": the stride sits on the 3x3 conv, not the first 1x1).

Names: conv1, bn1, layer{1-4}.{i}.conv{j}/bn{j}, layer{1-4}.{i}.downsample.0 (1x1 conv) and
.downsample.1 (BN) where a block changes stride or width, fc. The block output is
relu(bn_last(conv_last(...)) + shortcut), which the passes fuse into one conv kernel.
Adaptive 1x1 average pool: any input size (canonical 224x224)."""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import conv_bn_relu, imagenet_preprocessing, register


def basic_block(planes, stride):
    """(kernel, out channels, stride) of each conv in a BasicBlock."""
    return [(3, planes, stride), (3, planes, 1)]


def bottleneck(planes, stride):
    return [(1, planes, 1), (3, planes, stride), (1, planes * 4, 1)]


def residual_block(b, x, prefix, convs):
    in_channels, stride = b.shape(x)[0], max(s for _, _, s in convs)
    out = x
    for index, (kernel, channels, conv_stride) in enumerate(convs, start=1):
        last = index == len(convs)
        out = conv_bn_relu(b, out, channels, kernel, f"{prefix}.conv{index}", f"{prefix}.bn{index}",
                           stride=conv_stride, padding=kernel // 2, relu=not last,
                           relu_name=None if last else f"{prefix}.relu{index}")
    shortcut = x
    if stride != 1 or in_channels != b.shape(out)[0]:
        shortcut = conv_bn_relu(b, x, b.shape(out)[0], 1, f"{prefix}.downsample.0", f"{prefix}.downsample.1",
                                stride=stride, relu=False)
    return b.relu(b.add(out, shortcut, name=f"{prefix}.add"), name=prefix)


def resnet_graph(name, num_classes=1000, seed=0, *, block, layers):
    """ResNet: 7x7 stem and 3x3 max pool, four stages (64, 128, 256, 512 planes), global pool, fc."""
    b = GraphBuilder(name, input_shape=(3, 224, 224), seed=seed)
    x = conv_bn_relu(b, b.input, 64, 7, "conv1", "bn1", stride=2, padding=3, relu_name="relu")
    x = b.max_pool2d(x, 3, 2, padding=1, name="maxpool")
    for stage, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers), start=1):
        for index in range(blocks):
            stride = 2 if stage > 1 and index == 0 else 1
            x = residual_block(b, x, f"layer{stage}.{index}", block(planes, stride))
    x = b.flatten(b.adaptive_avg_pool2d(x, 1, name="avgpool"), name="flatten")
    x = b.linear(x, num_classes, name="fc")
    return b.build(outputs=[x], metadata={"preprocessing": imagenet_preprocessing()}, free_spatial=True)


resnet18 = register("resnet18", resnet_graph, block=basic_block, layers=(2, 2, 2, 2))
resnet34 = register("resnet34", resnet_graph, block=basic_block, layers=(3, 4, 6, 3))
resnet50 = register("resnet50", resnet_graph, block=bottleneck, layers=(3, 4, 6, 3))
resnet101 = register("resnet101", resnet_graph, block=bottleneck, layers=(3, 4, 23, 3))
resnet152 = register("resnet152", resnet_graph, block=bottleneck, layers=(3, 8, 36, 3))
