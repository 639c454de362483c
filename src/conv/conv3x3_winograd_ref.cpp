#include "conv/conv3x3_winograd_ref.h"

#include <stdexcept>
#include <vector>

#include "conv/winograd_matrices.h"

namespace cnnengine {

namespace {

// out[R x C] = a[R x K] * b[K x C]; row-major, arrays of any element type.
template <class T, class Ta, class Tb>
void matmul(const Ta* a, const Tb* b, T* out, int rows, int depth, int cols) {
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) {
            T sum = 0;
            for (int k = 0; k < depth; ++k) sum += static_cast<T>(a[i * depth + k]) * static_cast<T>(b[k * cols + j]);
            out[i * cols + j] = sum;
        }
}

template <class T>
std::vector<T> transposed(const T* a, int rows, int cols) {
    std::vector<T> t(static_cast<size_t>(rows * cols));
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) t[j * rows + i] = a[i * cols + j];
    return t;
}

template <int M>
void winograd_ref(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                  const float* bias, const float* residual, bool relu, float* y) {
    using W = WinogradMatrices<M>;
    constexpr int A = W::alpha;
    const int64_t cin = p.in_channels, cout = p.out_channels;
    const int64_t out_h = p.output_h(h), out_w = p.output_w(w);
    const std::vector<double> g_t = transposed(&W::G[0][0], A, 3);
    const std::vector<float> b = transposed(&W::BT[0][0], A, A), a = transposed(&W::AT[0][0], M, A);

    // U[o][c] = G g GT, rounded to float as the optimized kernel does.
    std::vector<float> u(static_cast<size_t>(cout * cin * A * A));
    for (int64_t oc = 0; oc < cout * cin; ++oc) {
        double gg[A * 3], ggg[A * A];
        matmul(&W::G[0][0], weight + oc * 9, gg, A, 3, 3);
        matmul(gg, g_t.data(), ggg, A, 3, A);
        for (int e = 0; e < A * A; ++e) u[oc * A * A + e] = static_cast<float>(ggg[e]);
    }

    std::vector<float> v(static_cast<size_t>(cin * A * A));
    for (int64_t img = 0; img < n; ++img)
        for (int64_t ty = 0; ty < out_h; ty += M)
            for (int64_t tx = 0; tx < out_w; tx += M) {
                for (int64_t c = 0; c < cin; ++c) {  // V = BT d B
                    float d[A * A], bd[A * A];
                    for (int r = 0; r < A; ++r)
                        for (int s = 0; s < A; ++s) {
                            const int64_t iy = ty + r - p.pad_top, ix = tx + s - p.pad_left;
                            const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                            d[r * A + s] = inside ? x[((img * cin + c) * h + iy) * w + ix] : 0.0f;
                        }
                    matmul(&W::BT[0][0], d, bd, A, A, A);
                    matmul(bd, b.data(), &v[c * A * A], A, A, A);
                }
                for (int64_t o = 0; o < cout; ++o) {
                    float prod[A * A] = {}, am[M * A], tile[M * M];
                    for (int64_t c = 0; c < cin; ++c)
                        for (int e = 0; e < A * A; ++e) prod[e] += u[(o * cin + c) * A * A + e] * v[c * A * A + e];
                    matmul(&W::AT[0][0], prod, am, M, A, A);
                    matmul(am, a.data(), tile, M, A, M);
                    for (int r = 0; r < M && ty + r < out_h; ++r)
                        for (int s = 0; s < M && tx + s < out_w; ++s) {
                            const int64_t at = ((img * cout + o) * out_h + ty + r) * out_w + tx + s;
                            float value = tile[r * M + s] + (bias ? bias[o] : 0.0f);
                            if (residual) value += residual[at];
                            if (relu && value < 0.0f) value = 0.0f;
                            y[at] = value;
                        }
                }
            }
}

}  // namespace

void conv3x3_winograd_ref(const Conv2dParams& params, int tile, const float* x, int64_t n, int64_t h, int64_t w,
                          const float* weight, const float* bias, const float* residual, bool relu, float* y) {
    switch (tile) {
        case 2: return winograd_ref<2>(params, x, n, h, w, weight, bias, residual, relu, y);
        case 4: return winograd_ref<4>(params, x, n, h, w, weight, bias, residual, relu, y);
        case 6: return winograd_ref<6>(params, x, n, h, w, weight, bias, residual, relu, y);
        default: throw std::invalid_argument("winograd: output tile must be 2, 4 or 6");
    }
}

}  // namespace cnnengine
