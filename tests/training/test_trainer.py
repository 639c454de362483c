"""The training loop: exact resume from a checkpoint (single thread, seeded), checkpoint checks,
learning, and the data readers (IDX files, image folders, batch order)."""
import gzip

import numpy as np
import pytest

from cnnengine import _C, zoo
from cnnengine.errors import InputError
from cnnengine.training.augment import Augment
from cnnengine.training.data import batch_order, load_idx_pair, load_image_folder, read_idx
from cnnengine.training.optim import SGD, CosineSchedule
from cnnengine.training.trainer import CheckpointError, Trainer


@pytest.fixture
def one_thread():
    threads = _C.get_num_threads()
    _C.set_num_threads(1)
    yield
    _C.set_num_threads(threads)


def toy_data(rng, count=192):
    """Images whose class is the bright half (top or bottom; flips keep it): learnable in a few epochs."""
    labels = rng.integers(0, 2, count)
    images = rng.integers(0, 60, (count, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, label * 14:label * 14 + 14] += 150
    return images, labels


def make_trainer(seed=0):
    model = zoo.create("lenet5", num_classes=2, seed=seed)
    optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=0.05, momentum=0.9, nesterov=True)
    return Trainer(model, optimizer, CosineSchedule(0.05, 3), Augment(28, crop_padding=2, hflip=True, mean=[0.5],
                                                                      std=[0.5]), batch_size=32, progress=False)


def test_resumed_run_reproduces_the_uninterrupted_loss_curve(rng, tmp_path, one_thread):
    images, labels = toy_data(rng)
    straight = make_trainer()
    straight.fit(images, labels, 3)
    first = make_trainer()
    path = tmp_path / "run.ckpt.npz"
    first.fit(images, labels, 1, checkpoint=path)
    resumed = make_trainer(seed=1)  # other initial weights: the checkpoint must replace them
    resumed.load_checkpoint(path)
    assert resumed.epoch == 1
    resumed.fit(images, labels, 3)
    assert len(resumed.batch_losses) == len(straight.batch_losses) == 18
    np.testing.assert_allclose(resumed.batch_losses, straight.batch_losses, rtol=0, atol=1e-6)
    for name, value in straight.model.graph.params.items():
        np.testing.assert_allclose(resumed.model.graph.params[name], value, rtol=0, atol=1e-6)
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3]
    assert straight.history[-1]["accuracy"] > 0.9  # it learns the toy task
    assert straight.evaluate(images, labels)["top1"] > 0.9


def test_checkpoint_of_another_model_is_refused(rng, tmp_path):
    images, labels = toy_data(rng, 32)
    trainer = make_trainer()
    trainer.fit(images, labels, 1, checkpoint=tmp_path / "a.npz")
    other = zoo.create("resnet18", num_classes=2)
    wrong = Trainer(other, SGD(other.graph.params, other.trainer.trainable(), lr=0.1), progress=False)
    with pytest.raises(CheckpointError, match="do not fit"):
        wrong.load_checkpoint(tmp_path / "a.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="not a readable"):
        trainer.load_checkpoint(tmp_path / "junk.npz")


def test_batch_order_depends_on_seed_and_epoch_only():
    np.testing.assert_array_equal(batch_order(100, 3, 2), batch_order(100, 3, 2))
    assert sorted(batch_order(100, 3, 2)) == list(range(100))
    assert not np.array_equal(batch_order(100, 3, 2), batch_order(100, 3, 1))


def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_files_round_trip(rng, tmp_path):
    images = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    write_idx(tmp_path / "x.gz", images)
    write_idx(tmp_path / "y", np.arange(5))
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz"), images)
    x, y = load_idx_pair(tmp_path / "x.gz", tmp_path / "y")
    assert y.dtype == np.int64 and list(y) == list(range(5))
    (tmp_path / "bad").write_bytes(b"\0\0\x0d\x01\0\0\0\x01abcd")
    with pytest.raises(InputError, match="unsigned-byte IDX"):
        read_idx(tmp_path / "bad")
    write_idx(tmp_path / "y3", np.arange(3))
    with pytest.raises(InputError, match="expected N x H x W"):
        load_idx_pair(tmp_path / "x.gz", tmp_path / "y3")


def test_image_folder(tmp_path, rng):
    from PIL import Image

    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(tmp_path / name / f"{i}.png")
    images, labels, classes = load_image_folder(tmp_path, 8)
    assert images.shape == (4, 8, 8, 3) and list(labels) == [0, 0, 1, 1] and classes == ["cat", "dog"]
    with pytest.raises(InputError, match="no images"):
        load_image_folder(tmp_path / "cat", 8)
