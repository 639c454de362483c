"""A small residual network that still splits its layers over threads (every conv is above the
64k-MAC threshold at batch 1); with free input size and an image recipe."""
from cnnengine import GraphBuilder
from cnnengine.zoo import imagenet_preprocessing


def build_small_resnet(num_threads=None):
    b = GraphBuilder("small_resnet", input_shape=(3, 32, 32), seed=3)
    x = b.relu(b.batch_norm(b.conv2d(b.input, 16, 3, padding=1, bias=False, name="conv1"), name="bn1"))
    y = b.relu(b.conv2d(x, 16, 3, padding=1, name="c2"))
    x = b.relu(b.add(b.conv2d(y, 16, 3, padding=1, name="c3"), x))
    x = b.max_pool2d(x, 2)
    x = b.relu(b.conv2d(x, 32, 3, stride=2, padding=1, name="c4"))
    x = b.flatten(b.adaptive_avg_pool2d(x, 1))
    x = b.linear(x, 10, name="fc")
    return b.build_model(outputs=[x], free_spatial=True, num_threads=num_threads,
                         metadata={"preprocessing": imagenet_preprocessing(crop=32, resize=36)})
