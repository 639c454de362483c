// AVX2 passes of max pooling (max_pool_rows.h).
#include "pool/max_pool_rows.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include "common/avx2_lanes.h"

namespace cnnengine {

namespace {

// pool_detail::MaxOp::combine on 8 lanes: b where a < b or b is NaN, else a.
inline __m256 combine(__m256 a, __m256 b) {
    const __m256 take_b = _mm256_or_ps(_mm256_cmp_ps(a, b, _CMP_LT_OQ), _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
    return _mm256_blendv_ps(a, b, take_b);
}

// The last, partial vector under a lane mask: with a scalar tail instead, LeNet-5's pools (rows of
// 28 and 10 floats) took twice the time of the portable loops.
void combine_rows(const float* const* rows, int64_t n, int64_t width, float* dst) {
    int64_t i = 0;
    for (; i + 8 <= width; i += 8) {
        __m256 v = _mm256_loadu_ps(rows[0] + i);
        for (int64_t r = 1; r < n; ++r) v = combine(v, _mm256_loadu_ps(rows[r] + i));
        _mm256_storeu_ps(dst + i, v);
    }
    if (i < width) {
        const __m256i live = first_lanes(width - i);
        __m256 v = _mm256_maskload_ps(rows[0] + i, live);
        for (int64_t r = 1; r < n; ++r) v = combine(v, _mm256_maskload_ps(rows[r] + i, live));
        _mm256_maskstore_ps(dst + i, live, v);
    }
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

// The last vector reads into the row's slack and stores only its live lanes.
template <int kStride>
void combine_columns_strided(const float* row, float* out, int64_t out_w, int64_t kernel_w) {
    for (int64_t o = 0; o < out_w; o += 8) {
        const float* window = row + o * kStride;
        __m256 v = load_every<kStride>(window);
        for (int64_t kw = 1; kw < kernel_w; ++kw) v = combine(v, load_every<kStride>(window + kw));
        if (o + 8 <= out_w)
            _mm256_storeu_ps(out + o, v);
        else
            _mm256_maskstore_ps(out + o, first_lanes(out_w - o), v);
    }
}

void combine_columns(const float* row, float* out, int64_t out_w, int64_t kernel_w, int64_t stride) {
    if (stride == 1)
        combine_columns_strided<1>(row, out, out_w, kernel_w);
    else
        combine_columns_strided<2>(row, out, out_w, kernel_w);
}

}  // namespace

MaxPoolRowKernels max_pool_row_kernels_avx2_fma() { return {combine_rows, combine_columns}; }

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
