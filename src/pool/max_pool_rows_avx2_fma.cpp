// AVX2 passes of max pooling (max_pool_rows.h).
#include "pool/max_pool_rows.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "common/avx2_lanes.h"

namespace cnnengine {

namespace {

// pool_detail::MaxOp::combine on 8 lanes: b where a < b or b is NaN, else a. maxps(b, a) is
// "b > a ? b : a" (a on ties and when either is NaN), so only a NaN b needs the blend.
inline __m256 combine(__m256 a, __m256 b) {
    return _mm256_blendv_ps(_mm256_max_ps(b, a), b, _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
}

// The passes store whole vectors only: a masked store (vmaskmovps) costs tens of cycles on Zen,
// and one per row made the small maps' pools (GoogLeNet's 7 x 7 and 14 x 14) 3x slower than
// ONNX Runtime's. A row of 8 floats or more ends with a vector that overlaps the one before.

// A row narrower than 8 is one masked-load vector whose dead lanes are set to the identity (-inf)
// and stored whole, into the padding and slack that follow the row.
void combine_rows(const float* const* rows, int64_t n, int64_t width, float* dst) {
    if (width < 8) {
        const __m256i live = first_lanes(width);
        __m256 v = _mm256_maskload_ps(rows[0], live);
        for (int64_t r = 1; r < n; ++r) v = combine(v, _mm256_maskload_ps(rows[r], live));
        const __m256 identity = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
        _mm256_storeu_ps(dst, _mm256_blendv_ps(identity, v, _mm256_castsi256_ps(live)));
        return;
    }
    auto combine_at = [&](int64_t i) {
        __m256 v = _mm256_loadu_ps(rows[0] + i);
        for (int64_t r = 1; r < n; ++r) v = combine(v, _mm256_loadu_ps(rows[r] + i));
        _mm256_storeu_ps(dst + i, v);
    };
    int64_t i = 0;
    for (; i + 8 <= width; i += 8) combine_at(i);
    if (i < width) combine_at(width - 8);
}

// 8 floats from p, every kStep-th one.
template <int kStep>
inline __m256 load_every(const float* p) {
    if constexpr (kStep == 1) {
        return _mm256_loadu_ps(p);
    } else {
        return interleave_lanes(_mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), _MM_SHUFFLE(2, 0, 2, 0)));
    }
}

// An output row narrower than 8 goes through a vector on the stack.
template <int kStride>
void combine_columns_strided(const float* row, float* out, int64_t out_w, int64_t kernel_w) {
    auto window_max = [&](int64_t o) {
        const float* window = row + o * kStride;
        __m256 v = load_every<kStride>(window);
        for (int64_t kw = 1; kw < kernel_w; ++kw) v = combine(v, load_every<kStride>(window + kw));
        return v;
    };
    if (out_w <= 0) return;
    if (out_w < 8) {
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, window_max(0));
        std::copy(lanes, lanes + out_w, out);
        return;
    }
    int64_t o = 0;
    for (; o + 8 <= out_w; o += 8) _mm256_storeu_ps(out + o, window_max(o));
    if (o < out_w) _mm256_storeu_ps(out + out_w - 8, window_max(out_w - 8));
}

void combine_columns(const float* row, float* out, int64_t out_w, int64_t kernel_w, int64_t stride) {
    if (stride == 1)
        combine_columns_strided<1>(row, out, out_w, kernel_w);
    else
        combine_columns_strided<2>(row, out, out_w, kernel_w);
}

// Scratch row r is [-inf, max of input rows r-1..r+1 (those that exist), -inf, ...]: the padded
// row the general passes build one output row at a time, here all first, then the columns.
void same3x3_plane(const float* in, float* out, int64_t h, int64_t w, float* scratch) {
    const int64_t stride = w + kSame3x3ScratchPad;
    for (int64_t r = 0; r < h; ++r) {
        float* s = scratch + r * stride;
        s[0] = -std::numeric_limits<float>::infinity();
        s[w + 1] = -std::numeric_limits<float>::infinity();
        const float* rows[3];
        int64_t n = 0;
        for (int64_t ih = r - 1; ih <= r + 1; ++ih)
            if (ih >= 0 && ih < h) rows[n++] = in + ih * w;
        combine_rows(rows, n, w, s + 1);  // under 8 wide, its dead lanes write the right border
    }
    for (int64_t r = 0; r < h; ++r) combine_columns_strided<1>(scratch + r * stride, out + r * w, w, 3);
}

// 8 outputs of the 2x2 windows over 16 columns of a row pair whose vectors are (top0, top1) and
// (bottom0, bottom1): rows first, then the even column with the odd, as the general passes do.
inline __m256 halve2x2(__m256 top0, __m256 top1, __m256 bottom0, __m256 bottom1) {
    const __m256 v0 = combine(top0, bottom0), v1 = combine(top1, bottom1);
    const __m256 even = interleave_lanes(_mm256_shuffle_ps(v0, v1, _MM_SHUFFLE(2, 0, 2, 0)));
    const __m256 odd = interleave_lanes(_mm256_shuffle_ps(v0, v1, _MM_SHUFFLE(3, 1, 3, 1)));
    return combine(even, odd);
}

// Rows of 16 floats or more go 16 columns at a time, the last step overlapping the one before.
// Narrower rows are masked loads; their 8 results are stored whole while the rest of this call's
// output lies after them (the next rows overwrite the excess), else through a vector on the stack.
void halve2x2_rows(const float* in, float* out, int64_t rows, int64_t w) {
    const int64_t out_w = w / 2;
    for (int64_t j = 0; j < rows; ++j) {
        const float* top = in + 2 * j * w;
        const float* bottom = top + w;
        float* o = out + j * out_w;
        if (w >= 16) {
            auto step = [&](int64_t c) {
                _mm256_storeu_ps(o + c / 2, halve2x2(_mm256_loadu_ps(top + c), _mm256_loadu_ps(top + c + 8),
                                                     _mm256_loadu_ps(bottom + c), _mm256_loadu_ps(bottom + c + 8)));
            };
            int64_t c = 0;
            for (; c + 16 <= w; c += 16) step(c);
            if (c < w) step(w - 16);
            continue;
        }
        const __m256i live0 = first_lanes(w), live1 = first_lanes(w - 8);
        const __m256 v = halve2x2(_mm256_maskload_ps(top, live0), _mm256_maskload_ps(top + 8, live1),
                                  _mm256_maskload_ps(bottom, live0), _mm256_maskload_ps(bottom + 8, live1));
        if ((rows - j) * out_w >= 8) {
            _mm256_storeu_ps(o, v);
        } else {
            alignas(32) float lanes[8];
            _mm256_store_ps(lanes, v);
            std::copy(lanes, lanes + out_w, o);
        }
    }
}

}  // namespace

MaxPoolRowKernels max_pool_row_kernels_avx2_fma() {
    return {combine_rows, combine_columns, same3x3_plane, halve2x2_rows};
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
