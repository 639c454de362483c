// im2col panel packing with AVX2: each panel row is assembled from loads under lane masks, two per
// run (four when the run reads every other float). A run's lane masks (its columns whose input column
// lies inside the image) and where its window starts depend only on the kernel column kx, so they
// are built once per panel; runs whose input row is in the padding are skipped. Runs read
// contiguous floats with stride 1, or with any stride on rows split by column phase; stride 2 on
// plain rows (1x1 kernels, where splitting would copy four times what the conv reads) loads twice
// the floats and keeps the even ones. Other strides, panels of more runs than kIm2colVectorMaxRuns
// (output rows under 4 pixels) and wider kernels go to the scalar version (im2col_vector_step).
#include "conv/im2col_panel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "common/avx2_lanes.h"

namespace cnnengine {

namespace {

// Where one run reads for one kernel column, kStep floats apart: panel column c comes from float
// kStep * c of the window starting at `offset` in the stored row, where mask (8 floats per
// vector) is set.
template <int kStep>
struct RunWindow {
    int64_t offset;
    __m256i mask[2 * kStep];
};

template <int kStep>
void pack_runs(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    const int64_t h = panel.h, w = panel.w, plane = h * w, taps = p.kernel_h * p.kernel_w;
    const int runs = panel.run_count;
    RunWindow<kStep> windows[kIm2colVectorMaxKernelW][kIm2colVectorMaxRuns];
    // Per run, the floats its windows span around the row's start, over all kernel columns.
    int64_t span_begin[kIm2colVectorMaxRuns], span_end[kIm2colVectorMaxRuns];
    for (int r = 0; r < runs; ++r) {
        span_begin[r] = INT64_MAX;
        span_end[r] = INT64_MIN;
    }
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        for (int r = 0; r < runs; ++r) {
            const Im2colRun& run = panel.runs[r];
            const int64_t x0 = run.ix + kx * p.dilation_w;  // input column of the run's first column
            alignas(32) int32_t keep[kStep * kGemmNR] = {};
            for (int t = 0; t < run.count; ++t) {
                const int64_t x = x0 + t * p.stride_w;
                if (x >= 0 && x < w) keep[kStep * (run.first + t)] = -1;
            }
            RunWindow<kStep>& window = windows[kx][r];
            window.offset = stored_column(panel, x0) - kStep * static_cast<int64_t>(run.first);
            span_begin[r] = std::min(span_begin[r], window.offset);
            span_end[r] = std::max(span_end[r], window.offset + 8 * 2 * kStep);
            for (int v = 0; v < 2 * kStep; ++v)
                window.mask[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(keep + 8 * v));
        }
    }
    // The planes these rows read. A run whose windows lie wholly inside them is read with plain
    // loads and a mask: on Zen3 the masked loads stalled (packing took 33% of a 64-channel 56x56
    // conv's samples at 1 thread, 19% with plain loads). Windows that start before the row may
    // start before the planes (or, at the end, run past them): there masked-off lanes must not
    // be read.
    const auto planes_begin = reinterpret_cast<uintptr_t>(panel.image + k0 / taps * plane);
    const auto planes_end = reinterpret_cast<uintptr_t>(panel.image + ((k0 + kc - 1) / taps + 1) * plane);
    for_each_tap_group(panel, k0, kc, [&](const float* channel, int64_t ky, int64_t kx, int64_t k, int64_t group) {
        const float* rows[kIm2colVectorMaxRuns];  // each run's input row, or null in the padding
        bool plain[kIm2colVectorMaxRuns];
        for (int r = 0; r < runs; ++r) {
            const int64_t iy = panel.runs[r].iy + ky * p.dilation_h;
            rows[r] = iy >= 0 && iy < h ? channel + iy * w : nullptr;
            plain[r] = rows[r] && reinterpret_cast<uintptr_t>(rows[r] + span_begin[r]) >= planes_begin &&
                       reinterpret_cast<uintptr_t>(rows[r] + span_end[r]) <= planes_end;
        }
        float* dst = out + k * kGemmNR;
        for (int64_t t = 0; t < group; ++t, dst += kGemmNR) {
            __m256 v[2 * kStep];
            for (int i = 0; i < 2 * kStep; ++i) v[i] = _mm256_setzero_ps();
            for (int r = 0; r < runs; ++r) {
                if (!rows[r]) continue;
                const RunWindow<kStep>& window = windows[kx + t][r];
                const float* src = rows[r] + window.offset;
                if (plain[r]) {
                    for (int i = 0; i < 2 * kStep; ++i)
                        v[i] = _mm256_or_ps(v[i], _mm256_and_ps(_mm256_loadu_ps(src + 8 * i),
                                                                _mm256_castsi256_ps(window.mask[i])));
                } else {
                    for (int i = 0; i < 2 * kStep; ++i)
                        v[i] = _mm256_or_ps(v[i], _mm256_maskload_ps(src + 8 * i, window.mask[i]));
                }
            }
            if constexpr (kStep == 1) {
                _mm256_storeu_ps(dst, v[0]);
                _mm256_storeu_ps(dst + 8, v[1]);
            } else {  // even floats of each vector pair: 0, 2, 8, 10 | 4, 6, 12, 14, then back in order
                _mm256_storeu_ps(dst, interleave_lanes(_mm256_shuffle_ps(v[0], v[1], _MM_SHUFFLE(2, 0, 2, 0))));
                _mm256_storeu_ps(dst + 8, interleave_lanes(_mm256_shuffle_ps(v[2], v[3], _MM_SHUFFLE(2, 0, 2, 0))));
            }
        }
    });
}

}  // namespace

void pack_im2col_panel_avx2_fma(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    switch (im2col_vector_step(panel)) {
        case 1: return pack_runs<1>(panel, k0, kc, out);
        case 2: return pack_runs<2>(panel, k0, kc, out);
        default: return pack_im2col_panel_scalar(panel, k0, kc, out);
    }
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
