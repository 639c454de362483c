"""GoogLeNet (Szegedy et al. 2014) as torchvision builds it, for torchvision's state_dict names:

- BasicConv2d = conv (no bias) + BatchNorm (eps 0.001) + ReLU: conv1.conv.weight, conv1.bn.running_mean;
- Inception blocks with four branches concatenated: branch1 (1x1), branch2 (1x1 -> 3x3),
  branch3 (1x1 -> 3x3: torchvision uses 3x3 where the paper has 5x5, pytorch/vision#906),
  branch4 (3x3 stride-1 max pool -> 1x1);
- max pools with ceil_mode=True; adaptive 1x1 average pool, dropout 0.2, fc (any input size;
  canonical 224x224);
- aux_logits=True adds the auxiliary classifiers aux1 (after inception4a) and aux2 (after
  inception4d): adaptive 4x4 average pool, 1x1 conv to 128, fc1 2048->1024 + ReLU, dropout 0.7,
  fc2. They are training outputs, so inference prunes them and predict returns the logits only.

torchvision's transform_input must be False for a state_dict to match this graph; it is False
when torchvision's googlenet() is called with weights=None. Its pretrained weights
(GoogLeNet_Weights) turn it on: the network then maps ImageNet-normalised input x to
x * std / 0.5 + (mean - 0.5) / 0.5, which is exactly (pixel - 0.5) / 0.5. To run those weights
here, keep this graph and set the model's preprocessing mean and std to [0.5, 0.5, 0.5].
"""
from cnnengine.builder import GraphBuilder
from cnnengine.zoo import conv_bn_relu, imagenet_preprocessing, register

BN_EPS = 1e-3
# name -> (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj), in torchvision's order
INCEPTIONS = {
    "inception3a": (64, 96, 128, 16, 32, 32), "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64), "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64), "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128), "inception5b": (384, 192, 384, 48, 128, 128),
}
POOL_AFTER = {"inception3b": ("maxpool3", 3), "inception4e": ("maxpool4", 2)}  # name, kernel (stride 2)
AUX_AFTER = {"inception4a": "aux1", "inception4d": "aux2"}


def basic_conv(b, x, out_channels, kernel_size, prefix, stride=1, padding=0):
    """torchvision's BasicConv2d; its output tensor is named after the module."""
    return conv_bn_relu(b, x, out_channels, kernel_size, f"{prefix}.conv", f"{prefix}.bn", stride=stride,
                        padding=padding, eps=BN_EPS, relu_name=prefix)


def inception(b, x, prefix, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
    branch1 = basic_conv(b, x, ch1x1, 1, f"{prefix}.branch1")
    branch2 = basic_conv(b, basic_conv(b, x, ch3x3red, 1, f"{prefix}.branch2.0"), ch3x3, 3,
                         f"{prefix}.branch2.1", padding=1)
    branch3 = basic_conv(b, basic_conv(b, x, ch5x5red, 1, f"{prefix}.branch3.0"), ch5x5, 3,
                         f"{prefix}.branch3.1", padding=1)
    pooled = b.max_pool2d(x, 3, 1, padding=1, ceil_mode=True, name=f"{prefix}.branch4.0")
    branch4 = basic_conv(b, pooled, pool_proj, 1, f"{prefix}.branch4.1")
    return b.concat([branch1, branch2, branch3, branch4], name=prefix)


def inception_aux(b, x, prefix, num_classes):
    x = b.adaptive_avg_pool2d(x, 4, name=f"{prefix}.pool")
    x = b.flatten(basic_conv(b, x, 128, 1, f"{prefix}.conv"), name=f"{prefix}.flatten")
    x = b.relu(b.linear(x, 1024, name=f"{prefix}.fc1"), name=f"{prefix}.relu")
    x = b.dropout(x, 0.7, name=f"{prefix}.dropout")
    return b.linear(x, num_classes, name=f"{prefix}.fc2")


def googlenet_graph(name, num_classes=1000, seed=0, aux_logits=True):
    """GoogLeNet (torchvision layout, transform_input=False); aux_logits adds aux1/aux2 as training outputs."""
    b = GraphBuilder(name, input_shape=(3, 224, 224), seed=seed)
    x = basic_conv(b, b.input, 64, 7, "conv1", stride=2, padding=3)
    x = b.max_pool2d(x, 3, 2, ceil_mode=True, name="maxpool1")
    x = basic_conv(b, basic_conv(b, x, 64, 1, "conv2"), 192, 3, "conv3", padding=1)
    x = b.max_pool2d(x, 3, 2, ceil_mode=True, name="maxpool2")
    aux = []
    for prefix, channels in INCEPTIONS.items():
        x = inception(b, x, prefix, *channels)
        if aux_logits and prefix in AUX_AFTER:
            aux.append(inception_aux(b, x, AUX_AFTER[prefix], num_classes))
        if prefix in POOL_AFTER:
            pool_name, kernel = POOL_AFTER[prefix]
            x = b.max_pool2d(x, kernel, 2, ceil_mode=True, name=pool_name)
    x = b.flatten(b.adaptive_avg_pool2d(x, 1, name="avgpool"), name="flatten")
    x = b.linear(b.dropout(x, 0.2, name="dropout"), num_classes, name="fc")
    return b.build(outputs=[x], training_outputs=aux, metadata={"preprocessing": imagenet_preprocessing()},
                   free_spatial=True)


googlenet = register("googlenet", googlenet_graph)
