"""ESPCN (Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network"): three convolutions on the low-resolution luminance
channel, the last producing r*r channels that PixelShuffle rearranges into an r-times larger
image. Any input size.

Layers are named like this PyTorch module, so its state_dict loads by name:

    features = Sequential(Conv2d(1, 64, 5, padding=2), Tanh(), Conv2d(64, 32, 3, padding=1), Tanh(),
                          Conv2d(32, r * r, 3, padding=1), PixelShuffle(r))
    forward: features(x)
"""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import Sequential, register


def espcn_graph(name, upscale=2, seed=0, input_size=32):
    """ESPCN super-resolution: N x 1 x H x W -> N x 1 x H*upscale x W*upscale."""
    b = GraphBuilder(name, input_shape=(1, input_size, input_size), seed=seed)
    features = Sequential(b, "features")
    x = features.tanh(features.conv2d(b.input, 64, 5, padding=2))
    x = features.tanh(features.conv2d(x, 32, 3, padding=1))
    x = features.pixel_shuffle(features.conv2d(x, upscale * upscale, 3, padding=1), upscale)
    return b.build(outputs=[x], free_spatial=True, metadata={"upscale": upscale})


espcn_x2 = register("espcn_x2", espcn_graph, upscale=2)
espcn_x3 = register("espcn_x3", espcn_graph, upscale=3)
