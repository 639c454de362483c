"""Image preprocessing: turns image files, PIL images or uint8 arrays into the float32 N x C x H x W
batch a model expects, following the recipe stored in the model's metadata.

A recipe is a dict (JSON in the model file):

    {"mode": "RGB",                 # or "L" (grayscale); default "RGB"
     "resize": 256,                 # shorter side -> 256 keeping the aspect ratio, or [h, w]
     "crop": 224,                   # center crop, int or [h, w]
     "mean": [0.485, 0.456, 0.406], # per channel (one value broadcasts), after scaling
     "std": [0.229, 0.224, 0.225],
     "scale": 1 / 255,              # uint8 -> float factor (default 1/255)
     "interpolation": "bilinear",   # or "bicubic", "nearest"
     "channel_order": "RGB"}        # "BGR" reverses the channels of an RGB image (Caffe-style models)

It gives the same numbers as torchvision's Resize(resize, interpolation) -> CenterCrop(crop) ->
ToTensor() -> Normalize(mean, std) on the same PIL image: Pillow decodes and resizes (antialiased,
as torchvision does for PIL inputs), numpy normalises through a per-channel lookup table.

Decoding a file (or encoded bytes) applies its EXIF orientation (PIL images given directly are used as they are, as
torchvision would); grayscale, RGBA, palette, CMYK ... images are converted with
Pillow to the recipe's mode; 16-bit grayscale (modes I;16 and I) is scaled to 8 bits first (Pillow's
own conversion would clip everything above 255 to white). Files or bytes that declare more than
MAX_IMAGE_PIXELS pixels are refused before their pixels are decoded (decompression bombs).
"""
import io
import os
import warnings

import numpy as np
from PIL import Image, ImageOps

from cnnengine.errors import InputError, ModelFormatError

INTERPOLATIONS = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC,
                  "nearest": Image.Resampling.NEAREST}
MODES = {"RGB": 3, "L": 1}
IMAGENET_RECIPE = {"mode": "RGB", "resize": 256, "crop": 224, "mean": [0.485, 0.456, 0.406],
                   "std": [0.229, 0.224, 0.225], "scale": 1 / 255, "interpolation": "bilinear"}
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
MAX_IMAGE_PIXELS = 40_000_000  # 8 times a 24-megapixel photo; a bomb declares far more
ENCODED = (bytes, bytearray, memoryview)


# -- recipes ------------------------------------------------------------------------------------
def check_recipe(recipe) -> dict:
    """The recipe with defaults filled in; ModelFormatError names the first invalid entry."""
    if not isinstance(recipe, dict):
        raise ModelFormatError(f"preprocessing recipe must be a dict, got {type(recipe).__name__}")
    unknown = set(recipe) - {"mode", "resize", "crop", "mean", "std", "scale", "interpolation", "channel_order"}
    if unknown:
        raise ModelFormatError(f"preprocessing recipe: unknown entries {sorted(unknown)}")
    mode = recipe.get("mode", "RGB")
    if mode not in MODES:
        raise ModelFormatError(f"preprocessing recipe: mode must be one of {sorted(MODES)}, got {mode!r}")
    channels = MODES[mode]
    checked = {"mode": mode, "resize": _size(recipe, "resize"), "crop": _size(recipe, "crop"),
               "scale": recipe.get("scale", 1 / 255), "interpolation": recipe.get("interpolation", "bilinear")}
    order = recipe.get("channel_order", mode)
    if order not in ((mode,) if mode == "L" else ("RGB", "BGR")):
        raise ModelFormatError(f"preprocessing recipe: channel_order {order!r} does not fit mode {mode}")
    if order == "BGR":
        checked["channel_order"] = order
    if isinstance(checked["scale"], bool) or not isinstance(checked["scale"], (int, float)) or checked["scale"] <= 0:
        raise ModelFormatError(f"preprocessing recipe: scale must be a positive number, got {checked['scale']!r}")
    if checked["interpolation"] not in INTERPOLATIONS:
        raise ModelFormatError(f"preprocessing recipe: interpolation must be one of {sorted(INTERPOLATIONS)}, "
                               f"got {checked['interpolation']!r}")
    for key, default in (("mean", 0.0), ("std", 1.0)):
        value = recipe.get(key, [default] * channels)
        value = [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        if not isinstance(value, (list, tuple)) or len(value) not in (1, channels) or \
                not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ModelFormatError(f"preprocessing recipe: {key} must be 1 or {channels} numbers for mode "
                                   f"{mode}, got {value!r}")
        checked[key] = [float(v) for v in value] * (channels if len(value) == 1 else 1)
    if any(s == 0 for s in checked["std"]):
        raise ModelFormatError(f"preprocessing recipe: std must be non-zero, got {checked['std']}")
    return checked


def _size(recipe, key):
    """None, a positive int, or [h, w] of positive ints."""
    value = recipe.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, (list, tuple)) and len(value) == 2 and \
            all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        return [int(v) for v in value]
    raise ModelFormatError(f"preprocessing recipe: {key} must be a positive int or [h, w], got {value!r}")


# -- inputs -------------------------------------------------------------------------------------
def is_image_like(x) -> bool:
    """True for a path (str or os.PathLike), encoded image bytes, a PIL image, a uint8 array of shape H x W, H x W x C or
    N x H x W x C, or a non-empty list/tuple of those."""
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(_is_single_image_like(item) for item in x)
    return _is_single_image_like(x)


def _is_single_image_like(x) -> bool:
    if isinstance(x, (str, os.PathLike, Image.Image) + ENCODED):
        return True
    return isinstance(x, np.ndarray) and x.dtype == np.uint8 and x.ndim in (2, 3, 4)


def images_to_batch(x, recipe) -> np.ndarray:
    """float32 N x C x H x W for images (see is_image_like), preprocessed by `recipe`."""
    recipe = check_recipe(recipe)
    if not is_image_like(x):
        raise InputError(f"expected images (paths, PIL images or uint8 arrays), got {type(x).__name__}")
    images = []
    for item in x if isinstance(x, (list, tuple)) else [x]:
        images.extend(_to_pil_images(item))
    arrays = [preprocess_image(image, recipe, source) for image, source in images]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise InputError(f"images have different sizes after preprocessing ({sorted(shapes)}); the recipe "
                         f"{_describe(recipe)} does not fix the size: give images of one size or a recipe with a crop")
    return np.stack(arrays)


def load_image(path) -> Image.Image:
    """Decodes an image file (EXIF orientation applied); InputError naming the file on failure."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(f"image file not found: {path}")
    return decode_image(path, path)


def decode_image(source, name: str = "image bytes") -> Image.Image:
    """Decodes a path, a binary file or encoded bytes (EXIF orientation applied), refusing images
    that declare more than MAX_IMAGE_PIXELS before decoding their pixels."""
    if isinstance(source, ENCODED):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below instead
            with Image.open(source) as image:
                if image.width * image.height <= MAX_IMAGE_PIXELS:
                    image.load()
                    return ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as error:  # Pillow's own, larger limit, checked when opening
        raise InputError(f"{name}: {error} Refused.") from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise InputError(f"cannot decode {name}: {error}") from None
    raise InputError(f"{name}: image declares {image.width} x {image.height} pixels, more than "
                     f"cnnengine.preprocess.MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS:,}; refused")


def _to_pil_images(item):
    """[(PIL image, description)] for one item of the input."""
    if isinstance(item, (str, os.PathLike)):
        return [(load_image(item), os.fspath(item))]
    if isinstance(item, ENCODED):
        return [(decode_image(item), "image bytes")]
    if isinstance(item, Image.Image):
        return [(item, "PIL image")]
    if item.ndim == 4:
        return [(_array_to_pil(a, f"array[{i}]"), f"array[{i}]") for i, a in enumerate(item)]
    return [(_array_to_pil(item, "array"), "array")]


def _array_to_pil(array: np.ndarray, what: str) -> Image.Image:
    if array.ndim == 3 and array.shape[2] not in (1, 3, 4):
        raise InputError(f"{what}: a uint8 H x W x C image needs 1, 3 or 4 channels, got shape {array.shape}")
    if min(array.shape[:2]) == 0:
        raise InputError(f"{what}: empty image of shape {array.shape}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(array))  # uint8: L, RGB or RGBA by shape


def preprocess_image(image: Image.Image, recipe: dict, source: str = "image") -> np.ndarray:
    """float32 C x H x W for one PIL image and a checked recipe."""
    image = convert_mode(image, recipe["mode"])
    resample = INTERPOLATIONS[recipe["interpolation"]]
    if recipe["resize"] is not None:
        size = resized_size(image.height, image.width, recipe["resize"])
        if size != (image.height, image.width):
            image = image.resize((size[1], size[0]), resample)
    if recipe["crop"] is not None:
        image = center_crop(image, recipe["crop"])
    pixels = np.asarray(image, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if recipe.get("channel_order") == "BGR":
        pixels = pixels[:, :, ::-1]
    return normalize(pixels, recipe)


def convert_mode(image: Image.Image, mode: str) -> Image.Image:
    """The image in `mode` ("RGB" or "L") via Pillow, 16-bit grayscale scaled (not clipped) to 8 bits."""
    if image.mode == mode:
        return image
    if image.mode in SIXTEEN_BIT_MODES:
        values = np.asarray(image).astype(np.int64).clip(0, 65535)
        image = Image.fromarray(((values * 255 + 32767) // 65535).astype(np.uint8), mode="L")
    elif image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")  # what Pillow asks for palette images with transparency
    return image.convert(mode)


def resized_size(height: int, width: int, resize):
    """(h, w) after torchvision's Resize(resize): an int matches the shorter side, keeping the aspect
    ratio (the longer side truncated, as torchvision does)."""
    if isinstance(resize, int):
        if width <= height:
            return int(resize * height / width), resize
        return resize, int(resize * width / height)
    return tuple(resize)


def center_crop(image: Image.Image, crop) -> Image.Image:
    """torchvision's CenterCrop: a crop larger than the image pads it with zeros."""
    crop_h, crop_w = (crop, crop) if isinstance(crop, int) else crop
    top = _crop_offset(image.height, crop_h)
    left = _crop_offset(image.width, crop_w)
    return image.crop((left, top, left + crop_w, top + crop_h))


def _crop_offset(size: int, crop: int) -> int:
    if crop > size:  # torchvision pads (crop - size) // 2 on the leading side
        return -((crop - size) // 2)
    return int(round((size - crop) / 2.0))


def normalize(pixels: np.ndarray, recipe: dict) -> np.ndarray:
    """uint8 H x W x C -> float32 C x H x W of (pixel * scale - mean) / std, one 256-entry table per
    channel computed in float64 (at least as exact as torchvision's float32 arithmetic)."""
    channels = pixels.shape[2]
    levels = np.arange(256, dtype=np.float64) * recipe["scale"]
    tables = ((levels[None, :] - np.asarray(recipe["mean"])[:, None]) / np.asarray(recipe["std"])[:, None])
    tables = tables.astype(np.float32)
    out = np.empty((channels,) + pixels.shape[:2], dtype=np.float32)
    for c in range(channels):  # per channel, not per pixel
        np.take(tables[c], pixels[:, :, c], out=out[c])
    return out


def _describe(recipe) -> str:
    return ", ".join(f"{key}={recipe[key]}" for key in ("resize", "crop"))
