// im2col panel packing with AVX-512: each panel row (16 floats, one zmm) is assembled by one
// merge-masked load per run (two when the run reads every other float), into lanes that no other
// run touches. Masked-off lanes are neither read nor faulted on, so the AVX2 version's split
// between plain loads inside the planes and masked loads near their ends is not needed, and one
// instruction replaces its load, and, or per run and 8 floats. As there, a run's lane mask and
// where its window starts depend only on the kernel column kx and are built once per panel; runs
// whose input row is in the padding are skipped; rows split by column phase are read with stride
// 1. Same limits as the AVX2 version (im2col_vector_step): other panels go to the scalar version,
// the reference twin.
// Compiled with -mavx512f (setup.py) and called only when cpuid reports AVX-512F.
#include "conv/im2col_panel.h"

#ifdef CNNENGINE_HAVE_AVX512_UNITS
#include <immintrin.h>

#include <cstdint>

#include "common/avx512_lanes.h"

namespace cnnengine {

namespace {

// Where one run reads for one kernel column: panel column c comes from float kStep * c of the
// window starting at `offset` in the stored row, where its bit in mask[c / 16 * kStep ...] is set
// (kStep 2: lane 2c of the 32 floats read, the even ones kept).
template <int kStep>
struct RunWindow {
    int64_t offset;
    __mmask16 mask[kStep];
};

template <int kStep>
void pack_runs(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    const int64_t h = panel.h, w = panel.w;
    const int runs = panel.run_count;
    RunWindow<kStep> windows[kIm2colVectorMaxKernelW][kIm2colVectorMaxRuns];
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        for (int r = 0; r < runs; ++r) {
            const Im2colRun& run = panel.runs[r];
            const int64_t x0 = run.ix + kx * p.dilation_w;  // input column of the run's first column
            uint32_t keep = 0;  // bit kStep * c: column c reads inside the row
            for (int t = 0; t < run.count; ++t) {
                const int64_t x = x0 + t * p.stride_w;
                if (x >= 0 && x < w) keep |= 1u << (kStep * (run.first + t));
            }
            RunWindow<kStep>& window = windows[kx][r];
            window.offset = stored_column(panel, x0) - kStep * static_cast<int64_t>(run.first);
            for (int v = 0; v < kStep; ++v) window.mask[v] = static_cast<__mmask16>(keep >> (16 * v));
        }
    }
    // The even floats of a 32-float pair of vectors, for kStep 2.
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for_each_tap_group(panel, k0, kc, [&](const float* channel, int64_t ky, int64_t kx, int64_t k, int64_t group) {
        const float* rows[kIm2colVectorMaxRuns];  // each run's input row, or null in the padding
        for (int r = 0; r < runs; ++r) {
            const int64_t iy = panel.runs[r].iy + ky * p.dilation_h;
            rows[r] = iy >= 0 && iy < h ? channel + iy * w : nullptr;
        }
        float* dst = out + k * kGemmNR;
        for (int64_t t = 0; t < group; ++t, dst += kGemmNR) {
            __m512 v[kStep];
            for (int i = 0; i < kStep; ++i) v[i] = _mm512_setzero_ps();
            for (int r = 0; r < runs; ++r) {
                if (!rows[r]) continue;
                const RunWindow<kStep>& window = windows[kx + t][r];
                const float* src = rows[r] + window.offset;
                for (int i = 0; i < kStep; ++i) v[i] = _mm512_mask_loadu_ps(v[i], window.mask[i], src + 16 * i);
            }
            if constexpr (kStep == 1)
                _mm512_storeu_ps(dst, v[0]);
            else
                _mm512_storeu_ps(dst, _mm512_permutex2var_ps(v[0], even, v[1]));
        }
    });
}

}  // namespace

void pack_im2col_panel_avx512(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    switch (im2col_vector_step(panel)) {
        case 1: return pack_runs<1>(panel, k0, kc, out);
        case 2: return pack_runs<2>(panel, k0, kc, out);
        default: return pack_im2col_panel_scalar(panel, k0, kc, out);
    }
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX512_UNITS
