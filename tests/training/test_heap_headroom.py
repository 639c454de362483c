"""Training steps reuse freed heap instead of faulting fresh pages in (src/training/heap_headroom.h):
counted with the process's minor page faults, which do not depend on timing."""
import platform
import resource

import numpy as np

from cnnengine import _C, zoo


def test_training_steps_do_not_fault_in_fresh_pages():
    model = zoo.create("lenet5", num_classes=10, seed=0).train()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64)
    for _ in range(3):  # the heap grows to its working size
        model.trainer.loss_and_grads(x, y)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        model.trainer.loss_and_grads(x, y)
    faults_per_step = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10
    if platform.libc_ver()[0] == "glibc":
        assert _C.keep_heap_headroom(32 << 20)
        assert faults_per_step < 10  # about 630 per step (2.5 MB zeroed) without the headroom
    else:
        assert not _C.keep_heap_headroom(32 << 20)
