// The clamp-shaped activations (clamp_activation.h) on 16 lanes, for units compiled with
// -mavx512f only: the 8-lane ClampActivationLanes (clamp_activation_avx2.h) on each half. The
// activations are rare in the epilogues that use this (MobileNet's), not worth a 16-lane twin.
#pragma once

#include <immintrin.h>

#include "common/avx512_lanes.h"
#include "elementwise/clamp_activation_avx2.h"

namespace cnnengine {

inline __m512 activate_lanes16(const ClampActivationLanes& activation, __m512 v) {
    const __m256 lo = activation(_mm512_castps512_ps256(v));
    const __m256 hi = activation(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

inline __m512 activate_lanes16(const NoActivation&, __m512 v) { return v; }

}  // namespace cnnengine
