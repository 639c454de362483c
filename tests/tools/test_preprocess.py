"""cnnengine.preprocess against torchvision.transforms on the same PIL images (max |diff| <= 1e-5),
plus the inputs torchvision leaves to the caller: files (EXIF orientation, undecodable bytes),
grayscale / RGBA / palette / 16-bit images, uint8 arrays and batches."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from cnnengine import GraphBuilder
from cnnengine.errors import InputError, ModelFormatError
from cnnengine.preprocess import IMAGENET_RECIPE, images_to_batch, is_image_like

transforms = pytest.importorskip("torchvision.transforms")

CAT = Path(__file__).resolve().parents[2] / "examples" / "cat.jpg"
TOL = 1e-5
MODES = {"bilinear": "BILINEAR", "bicubic": "BICUBIC", "nearest": "NEAREST"}


def torchvision_reference(image, recipe):
    """Resize -> CenterCrop -> ToTensor -> Normalize, as torchvision users write it."""
    steps = []
    if recipe.get("resize") is not None:
        mode = getattr(transforms.InterpolationMode, MODES[recipe.get("interpolation", "bilinear")])
        steps.append(transforms.Resize(recipe["resize"], interpolation=mode))
    if recipe.get("crop") is not None:
        steps.append(transforms.CenterCrop(recipe["crop"]))
    steps += [transforms.ToTensor(), transforms.Normalize(recipe["mean"], recipe["std"])]
    return transforms.Compose(steps)(image).numpy()


def recipe(**changes):
    return dict(IMAGENET_RECIPE, **changes)


def assert_matches(batch, image, recipe_):
    expected = torchvision_reference(image, recipe_)
    assert batch.dtype == np.float32 and batch.shape == (1,) + expected.shape
    np.testing.assert_allclose(batch[0], expected, rtol=0, atol=TOL)


@pytest.fixture
def photo():
    with Image.open(CAT) as image:
        return image.convert("RGB")


def test_sample_photo_is_a_small_jpeg(photo):
    assert CAT.stat().st_size < 100_000 and photo.size == (451, 300)


def test_imagenet_recipe_on_the_photo_matches_torchvision(photo):
    assert_matches(images_to_batch(str(CAT), IMAGENET_RECIPE), photo, IMAGENET_RECIPE)
    assert_matches(images_to_batch(CAT, IMAGENET_RECIPE), photo, IMAGENET_RECIPE)  # pathlib.Path
    assert_matches(images_to_batch(photo, IMAGENET_RECIPE), photo, IMAGENET_RECIPE)


@pytest.mark.parametrize("changes", [
    {"interpolation": "bicubic", "resize": 300, "crop": [240, 280]},
    {"interpolation": "nearest", "resize": [100, 50], "crop": None},
    {"resize": 32, "crop": 40},                # crop larger than the image: zero padding
    {"resize": None, "crop": [600, 200]},      # padding in one direction, cropping in the other
    {"resize": None, "crop": None, "mean": [0.5], "std": [0.25]},
])
def test_other_recipes_match_torchvision(photo, changes):
    r = recipe(**changes)
    expected_recipe = dict(r, mean=r["mean"] * (3 // len(r["mean"])), std=r["std"] * (3 // len(r["std"])))
    assert_matches(images_to_batch(photo, r), photo, expected_recipe)


def test_grayscale_recipe_on_a_color_photo(photo):
    r = recipe(mode="L", mean=[0.5], std=[0.5])
    batch = images_to_batch(photo, r)
    assert batch.shape == (1, 1, 224, 224)
    assert_matches(batch, photo.convert("L"), r)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "1"])
def test_other_modes_convert_like_pillow(photo, mode):
    image = photo.convert(mode) if mode != "P" else photo.quantize(64)
    assert_matches(images_to_batch(image, IMAGENET_RECIPE), image.convert("RGB"), IMAGENET_RECIPE)


def test_palette_with_transparency(photo):
    image = photo.quantize(16)
    image.info["transparency"] = 0
    assert_matches(images_to_batch(image, IMAGENET_RECIPE), image.convert("RGBA").convert("RGB"), IMAGENET_RECIPE)


def test_exif_orientation_is_applied_to_files(tmp_path, photo):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 451 x 300, displayed rotated by 90 degrees: 300 x 451
    path = tmp_path / "rotated.jpg"
    photo.save(path, quality=95, exif=exif)
    r = recipe(resize=None, crop=None)
    batch = images_to_batch(path, r)
    assert batch.shape == (1, 3, 451, 300)
    with Image.open(path) as stored:
        upright = ImageOps.exif_transpose(stored)
    assert_matches(batch, upright, r)
    assert_matches(images_to_batch(path, IMAGENET_RECIPE), upright, IMAGENET_RECIPE)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    values = np.linspace(0, 65535, 64 * 48).astype(np.uint16).reshape(48, 64)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    r = {"mode": "L", "mean": [0.0], "std": [1.0]}
    batch = images_to_batch(path, r)
    assert batch.shape == (1, 1, 48, 64)
    np.testing.assert_allclose(batch[0, 0], np.round(values / 257.0) / 255.0, atol=TOL)
    rgb = images_to_batch(str(path), {"mean": [0.0], "std": [1.0]})
    assert rgb.shape == (1, 3, 48, 64)
    np.testing.assert_allclose(rgb[0], np.repeat(batch[0], 3, axis=0), atol=TOL)


def test_uint8_arrays_and_batches(photo):
    hwc = np.asarray(photo)
    one = images_to_batch(hwc, IMAGENET_RECIPE)
    assert_matches(one, photo, IMAGENET_RECIPE)
    four = images_to_batch(np.stack([hwc, hwc[::-1]]), IMAGENET_RECIPE)
    assert four.shape == (2, 3, 224, 224)
    np.testing.assert_array_equal(four[0], one[0])
    mixed = images_to_batch([str(CAT), photo, hwc[::-1]], IMAGENET_RECIPE)
    np.testing.assert_array_equal(mixed[1], one[0])
    np.testing.assert_array_equal(mixed[2], four[1])
    gray = np.asarray(photo.convert("L"))
    np.testing.assert_array_equal(images_to_batch(gray, IMAGENET_RECIPE), images_to_batch(gray[:, :, None],
                                                                                           IMAGENET_RECIPE))
    rgba = np.asarray(photo.convert("RGBA"))
    np.testing.assert_array_equal(images_to_batch(rgba, IMAGENET_RECIPE), one)


def test_bgr_channel_order(photo):
    bgr = images_to_batch(photo, recipe(channel_order="BGR", mean=[0.5], std=[0.5]))
    rgb = images_to_batch(photo, recipe(mean=[0.5], std=[0.5]))
    np.testing.assert_array_equal(bgr, rgb[:, ::-1])


@pytest.mark.parametrize("value, expected", [
    ("any/path.jpg", True), (Path("x.png"), True), (np.zeros((4, 4), np.uint8), True),
    (np.zeros((4, 4, 3), np.uint8), True), (np.zeros((2, 4, 4, 3), np.uint8), True),
    ([np.zeros((4, 4), np.uint8), "a.jpg"], True), (np.zeros((1, 3, 4, 4), np.float32), False),
    (np.zeros(4, np.uint8), False), ([], False), (3, False), ([np.zeros((2, 2), np.float32)], False),
])
def test_is_image_like(value, expected):
    assert is_image_like(value) is expected


def test_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.jpg"
    with pytest.raises(InputError, match="missing.jpg"):
        images_to_batch(missing, IMAGENET_RECIPE)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"definitely not an image")
    with pytest.raises(InputError, match="garbage.jpg"):
        images_to_batch([str(CAT), garbage], IMAGENET_RECIPE)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(CAT.read_bytes()[:5000])
    with pytest.raises(InputError, match="truncated.jpg"):
        images_to_batch(truncated, IMAGENET_RECIPE)


def test_bad_inputs_and_recipes(photo):
    with pytest.raises(InputError, match="different sizes"):
        images_to_batch([photo, photo.resize((100, 80))], recipe(resize=64, crop=None))
    with pytest.raises(InputError, match="channels"):
        images_to_batch(np.zeros((8, 8, 2), np.uint8), IMAGENET_RECIPE)
    for bad in ({"mode": "CMYK"}, {"resize": -1}, {"crop": [1, 2, 3]}, {"mean": [0.1, 0.2]}, {"std": [0, 1, 1]},
                {"interpolation": "lanczos3"}, {"colour": "yes"}, {"channel_order": "BGR", "mode": "L"}):
        with pytest.raises(ModelFormatError):
            images_to_batch(photo, dict(IMAGENET_RECIPE, **bad))


def test_model_predict_accepts_images(photo):
    b = GraphBuilder("tiny", input_shape=(3, 224, 224))
    x = b.linear(b.flatten(b.adaptive_avg_pool2d(b.relu(b.conv2d(b.input, 4, 3, stride=2)), 2)), 3)
    model = b.build_model([x], metadata={"preprocessing": dict(IMAGENET_RECIPE), "labels": ["a", "b", "c"]})
    batch = images_to_batch(photo, IMAGENET_RECIPE)
    expected = model.predict(batch)
    np.testing.assert_array_equal(model.predict(str(CAT)), expected)
    np.testing.assert_array_equal(model.predict(np.asarray(photo)), expected)
    assert model.predict([photo, photo]).shape == (2, 3)
    assert [label for label, _ in model.classify(CAT, top=3)] == sorted("abc", key=lambda l: -expected[0, "abc".index(l)])
    with pytest.raises(InputError, match="nope.jpg"):
        model.predict("nope.jpg")
