# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Batch augmentation kernel (Cython, typed memoryviews, no GIL, one image per prange task):
crop a box from each uint8 H x W x C image, resize it to the output size (bilinear, half-pixel
centres) unless the box already has that size, mirror it, normalise it, and write float32
C x OH x OW. Box parts outside the image read 0 (the padding of a random crop). The random
choices (boxes, flips) are made by the caller (cnnengine.training.augment), so a seed fixes them."""
from cython.parallel import prange

from libc.math cimport floor


cdef inline float bilinear(const unsigned char* image, Py_ssize_t h, Py_ssize_t w, Py_ssize_t channels,
                           float sy, float sx, Py_ssize_t c) noexcept nogil:
    # Samples at (sy, sx) clamped to the image (edge pixels extend, as Pillow's bilinear filter).
    cdef float y = min(max(sy, 0.0), h - 1.0), x = min(max(sx, 0.0), w - 1.0)
    cdef Py_ssize_t y0 = <Py_ssize_t>floor(y), x0 = <Py_ssize_t>floor(x)
    cdef Py_ssize_t y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1)
    cdef float fy = y - y0, fx = x - x0
    cdef float upper = image[(y0 * w + x0) * channels + c] * (1 - fx) + image[(y0 * w + x1) * channels + c] * fx
    cdef float lower = image[(y1 * w + x0) * channels + c] * (1 - fx) + image[(y1 * w + x1) * channels + c] * fx
    return upper * (1 - fy) + lower * fy


cdef void one_image(const unsigned char* image, Py_ssize_t h, Py_ssize_t w, Py_ssize_t channels,
                    const long long* box, bint flip, const float* gain, const float* offset, float* out,
                    Py_ssize_t out_h, Py_ssize_t out_w) noexcept nogil:
    cdef Py_ssize_t c, oy, ox, x, y
    cdef long long top = box[0], left = box[1], height = box[2], width = box[3]
    cdef bint direct = height == out_h and width == out_w
    cdef float y_step = <float>height / out_h, x_step = <float>width / out_w, sy, value
    cdef float* row
    cdef const unsigned char* src
    for c in range(channels):
        for oy in range(out_h):
            row = out + (c * out_h + oy) * out_w
            if direct:
                y = top + oy
                if y < 0 or y >= h:
                    for ox in range(out_w):
                        row[ox] = offset[c]  # a padding row: pixel 0
                    continue
                src = image + y * w * channels + c
                for ox in range(out_w):
                    x = left + (out_w - 1 - ox if flip else ox)
                    value = src[x * channels] if 0 <= x < w else 0
                    row[ox] = value * gain[c] + offset[c]
            else:
                sy = top + (oy + 0.5) * y_step - 0.5
                for ox in range(out_w):
                    x = out_w - 1 - ox if flip else ox
                    value = bilinear(image, h, w, channels, sy, left + (x + 0.5) * x_step - 0.5, c)
                    row[ox] = value * gain[c] + offset[c]


def crop_flip_normalize(const unsigned char[:, :, :, ::1] images, const long long[:, ::1] boxes,
                        const unsigned char[::1] flips, const float[::1] gain, const float[::1] offset,
                        float[:, :, :, ::1] out, int num_threads=1):
    """images N x H x W x C; boxes N x 4 (top, left, height, width); flips N (1: mirror);
    out[n, c] = pixel * gain[c] + offset[c], N x C x OH x OW. The caller checks the shapes."""
    cdef Py_ssize_t n, h = images.shape[1], w = images.shape[2], channels = images.shape[3]
    cdef Py_ssize_t out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t image_size = h * w * channels, out_size = channels * out_h * out_w
    cdef const unsigned char* first = &images[0, 0, 0, 0]
    cdef float* target = &out[0, 0, 0, 0]
    for n in prange(images.shape[0], nogil=True, num_threads=max(num_threads, 1), schedule="static"):
        one_image(first + n * image_size, h, w, channels, &boxes[n, 0], flips[n], &gain[0], &offset[0],
                  target + n * out_size, out_h, out_w)
