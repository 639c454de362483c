"""A small fully convolutional segmentation network: an encoder that halves the resolution
twice, a decoder that restores it with a transposed convolution and a bilinear upsampling, and a
1x1 classifier giving one score map per class at the input's H x W (any size divisible by 4).

Layers are named like this PyTorch module, so its state_dict loads by name:

    encoder = Sequential(Conv2d(3, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU(),
                         Conv2d(16, 32, 3, stride=2, padding=1, bias=False), BatchNorm2d(32), ReLU(),
                         Conv2d(32, 64, 3, stride=2, padding=1, bias=False), BatchNorm2d(64), ReLU())
    decoder = Sequential(ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False), BatchNorm2d(32), ReLU(),
                         Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                         Conv2d(32, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU())
    classifier = Conv2d(16, num_classes, 1)
    forward: classifier(decoder(encoder(x)))
"""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import Sequential, register


def segmentation_graph(name, num_classes=21, seed=0, input_size=64):
    """Encoder-decoder segmentation network: N x 3 x H x W -> N x num_classes x H x W."""
    b = GraphBuilder(name, input_shape=(3, input_size, input_size), seed=seed)
    encoder = Sequential(b, "encoder")
    x = b.input
    for channels, stride in ((16, 1), (32, 2), (64, 2)):
        x = encoder.relu(encoder.batch_norm(encoder.conv2d(x, channels, 3, stride=stride, padding=1, bias=False)))
    decoder = Sequential(b, "decoder")
    x = decoder.relu(decoder.batch_norm(decoder.conv_transpose2d(x, 32, 4, stride=2, padding=1, bias=False)))
    x = decoder.upsample(x, 2, mode="bilinear")
    x = decoder.relu(decoder.batch_norm(decoder.conv2d(x, 16, 3, padding=1, bias=False)))
    x = b.conv2d(x, num_classes, 1, name="classifier")
    return b.build(outputs=[x], free_spatial=True)


segmenter_small = register("segmenter_small", segmentation_graph)
