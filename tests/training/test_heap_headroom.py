"""Training steps reuse freed heap instead of faulting fresh pages in (src/training/heap_headroom.h):
counted with the process's minor page faults, which do not depend on timing."""
import ctypes
import platform
import resource

import numpy as np

from cnnengine import _C, zoo
from cnnengine.training.executor import HEAP_HEADROOM_BYTES


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
        assert _C.keep_heap_headroom(HEAP_HEADROOM_BYTES)
        assert faults_per_step < 10  # about 630 per step (2.5 MB zeroed) without the headroom
    else:
        assert not _C.keep_heap_headroom(HEAP_HEADROOM_BYTES)


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]


def test_training_keeps_a_whole_layer_of_freed_heap():
    """Arrays freed together at the top of the heap (a layer's activations in backward) stay in the
    process for the next step: ResNet-18 at batch 16 frees far more than 32 MB at once, and with a
    32 MB headroom its steps faulted ~30k pages back in. Read with mallinfo2 (releasable free heap
    at the top), since transparent huge pages hide most of the faults."""
    if platform.libc_ver()[0] != "glibc":
        return
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallInfo2
    zoo.create("lenet5", num_classes=10, seed=0).train().trainer  # sets the headroom
    arrays = [np.ones(1 << 20, np.float32) for _ in range(24)]  # 4 MB each: below the mmap threshold
    del arrays
    assert mallinfo2().keepcost >= 96 << 20
