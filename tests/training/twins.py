"""PyTorch twins of zoo networks for the training tests: torchvision's module loaded with the zoo
graph's own random weights (the names match), so both sides start from identical parameters."""
import numpy as np


def lenet_twin(torch, num_classes=10):
    nn = torch.nn

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                            nn.Linear(84, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    return LeNet()


def torch_twin(torch, name, num_classes):
    import torchvision

    if name == "lenet5":
        return lenet_twin(torch, num_classes)
    if name == "googlenet":
        return torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=False,
                                            num_classes=num_classes)
    return getattr(torchvision.models, name)(weights=None, num_classes=num_classes)


def load_into(torch, module, params):
    """Copies the zoo graph's parameters (and BN running statistics) into the PyTorch module."""
    state = module.state_dict()
    for name in state:
        if name in params:
            state[name] = torch.tensor(np.array(params[name]))
    module.load_state_dict(state)
    return module
