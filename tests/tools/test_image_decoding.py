"""Encoded image bytes decode like files; images declaring absurd sizes (decompression bombs)
are refused before their pixels are decoded."""
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnengine import preprocess
from cnnengine.errors import InputError
from cnnengine.preprocess import IMAGENET_RECIPE, images_to_batch

CAT = Path(__file__).resolve().parents[2] / "examples" / "cat.jpg"


def png_declaring(width, height):
    """A tiny PNG whose header claims width x height (the pixel data is a few bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


def test_bytes_decode_like_the_file():
    from_bytes = images_to_batch(CAT.read_bytes(), IMAGENET_RECIPE)
    np.testing.assert_array_equal(from_bytes, images_to_batch(CAT, IMAGENET_RECIPE))
    both = images_to_batch([bytearray(CAT.read_bytes()), str(CAT)], IMAGENET_RECIPE)
    np.testing.assert_array_equal(both[0], both[1])


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (20_000, 2_001), (2 ** 31 - 1, 1)])
def test_decode_bombs_are_refused_before_decoding(tmp_path, width, height):
    bomb = png_declaring(width, height)
    assert len(bomb) < 200
    # Pillow refuses the largest when opening; cnnengine's lower limit catches the rest.
    with pytest.raises(InputError, match=f"({width} x {height}|{width * height}) pixels.*(more than|exceeds)"):
        images_to_batch(bomb, IMAGENET_RECIPE)
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    with pytest.raises(InputError, match="bomb.png"):
        images_to_batch(path, IMAGENET_RECIPE)


def test_the_limit_is_adjustable(monkeypatch):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buffer, format="PNG")
    monkeypatch.setattr(preprocess, "MAX_IMAGE_PIXELS", 64 * 48 - 1)
    with pytest.raises(InputError, match="64 x 48 pixels"):
        images_to_batch(buffer.getvalue(), IMAGENET_RECIPE)
    monkeypatch.setattr(preprocess, "MAX_IMAGE_PIXELS", 64 * 48)
    assert images_to_batch(buffer.getvalue(), IMAGENET_RECIPE).shape == (1, 3, 224, 224)


def test_undecodable_bytes_are_an_input_error():
    with pytest.raises(InputError, match="cannot decode image bytes"):
        images_to_batch(b"<html>not an image</html>", IMAGENET_RECIPE)
