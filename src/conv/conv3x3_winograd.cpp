#include "conv/conv3x3_winograd.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/aligned_buffer.h"
#include "common/cache_size.h"
#include "common/threading.h"
#include "conv/winograd_matrices.h"
#include "conv/winograd_tiles.h"
#include "gemm/pack.h"
#include "gemm/panel_multiplier.h"

namespace cnnengine {

namespace {

// Budget for one task's V and M blocks: the L2 but 256 KiB for the U panels, input rows and
// output the task streams through it (at least half of it). Zen 3's 512 KiB L2 gives 256 KiB,
// the value tuned there; Zen 5's 1 MiB gives 768 KiB, where ResNet's 64-channel 56 x 56 layer
// gets blocks of two panels (the 6x32 kernel) instead of one: 0.61 -> 0.50 ms at 1 thread,
// 0.36 -> 0.30 at 2. Half of Zen 5's L2 (one-panel blocks still) gained nothing.
int64_t block_bytes() {
    const int64_t l2 = l2_cache_bytes();
    return std::max(l2 / 2, l2 - 256 * 1024);
}

// Blocks stop growing here: 8 panels already amortize U's traffic on every layer measured.
constexpr int64_t kMaxBlockTiles = 128;
// Transformed weights (all alpha^2 matrices) above this size stream from memory on every block.
constexpr int64_t kBigWeightBytes = 4 * 1024 * 1024;
// Output-channel ranges are cut in multiples of this many rows (whole micro-tiles).
constexpr int64_t kMinRowsPerPart = 4 * kGemmMR;

// Where the 3x3 kernel of output o and input c of the conv lies in the weight array.
struct WeightReader {
    const float* weight;
    int64_t out_stride, in_stride;
    bool flipped;  // both spatial axes reversed: tap t is at 8 - t

    WeightReader(const Conv2dParams& p, const float* w, WinogradWeights layout)
        : weight(w),
          out_stride(layout == WinogradWeights::as_given ? p.in_channels * 9 : 9),
          in_stride(layout == WinogradWeights::as_given ? 9 : p.out_channels * 9),
          flipped(layout == WinogradWeights::data_gradient) {}

    void kernel(int64_t o, int64_t c, double g[9]) const {
        const float* k = weight + o * out_stride + c * in_stride;
        for (int t = 0; t < 9; ++t) g[t] = k[flipped ? 8 - t : t];
    }
};

// U[xi] = (G g GT)[xi] for every (o, c), written straight into packed-A panels (U[xi] at
// u + xi * xi_stride); rows past Cout in the last panel are zero. One task per panel.
template <int M>
void transform_weights(const Conv2dParams& p, const WeightReader& reader, float* u, int64_t xi_stride) {
    using W = WinogradMatrices<M>;
    constexpr int A = W::alpha;
    const int64_t cin = p.in_channels, cout = p.out_channels, panels = ceil_div(cout, kGemmMR);
    parallel_for(panels, threads_for(static_cast<double>(cout) * cin * A * A * 8, panels), [&](int64_t panel) {
        for (int64_t c = 0; c < cin; ++c) {
            float* out = u + packed_a_offset(panel, cin, c);
            for (int r = 0; r < kGemmMR; ++r) {
                const int64_t o = panel * kGemmMR + r;
                if (o >= cout) {
                    for (int xi = 0; xi < A * A; ++xi) out[xi * xi_stride + r] = 0.0f;
                    continue;
                }
                double g[9];
                reader.kernel(o, c, g);
                double gg[A][3];  // G g
                for (int i = 0; i < A; ++i)
                    for (int k = 0; k < 3; ++k)
                        gg[i][k] = W::G[i][0] * g[k] + W::G[i][1] * g[3 + k] + W::G[i][2] * g[6 + k];
                for (int i = 0; i < A; ++i)
                    for (int j = 0; j < A; ++j)
                        out[(i * A + j) * xi_stride + r] =
                            static_cast<float>(gg[i][0] * W::G[j][0] + gg[i][1] * W::G[j][1] + gg[i][2] * W::G[j][2]);
            }
        }
    });
}

// Per-thread scratch buffers that only grow, one per use.
enum class Scratch {
    task,           // a task's V and M
    shared_v,       // the calling thread's: V of all blocks, when parts share them (see forward)
    padded_input,   // the calling thread's: the zero-padded input of one forward call
};

template <Scratch kUse>
float* thread_scratch(int64_t floats) {
    thread_local AlignedBuffer scratch;
    return scratch.reserve(static_cast<size_t>(floats));
}

// Copies planes [c, h, w] into zero-padded planes [c, padded_h, padded_w] at (pad_top, pad_left),
// one plane per task, so that every tile's patch lies inside its padded plane.
void pad_planes(const float* x, int64_t planes, int64_t h, int64_t w, int64_t pad_top, int64_t pad_left,
                int64_t padded_h, int64_t padded_w, float* out, int threads) {
    parallel_for(planes, threads, [&](int64_t plane) {
        const float* src = x + plane * h * w;
        float* dst = out + plane * padded_h * padded_w;
        std::fill(dst, dst + pad_top * padded_w, 0.0f);
        for (int64_t y = 0; y < h; ++y) {
            float* row = dst + (pad_top + y) * padded_w;
            std::fill(row, row + pad_left, 0.0f);
            std::copy(src + y * w, src + (y + 1) * w, row + pad_left);
            std::fill(row + pad_left + w, row + padded_w, 0.0f);
        }
        std::fill(dst + (pad_top + h) * padded_w, dst + padded_h * padded_w, 0.0f);
    });
}

}  // namespace

bool winograd_applicable(const Conv2dParams& p) {
    return p.kernel_h == 3 && p.kernel_w == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 &&
           p.dilation_w == 1 && p.groups == 1;
}

Conv3x3Winograd::Conv3x3Winograd(const Conv2dParams& params, int tile, const float* weight, WinogradWeights layout)
    : params_(params), tile_(tile), layout_(layout) {
    params_.validate();
    if (!winograd_applicable(params_))
        throw std::invalid_argument("winograd: needs a 3x3 kernel, stride 1, dilation 1 and groups 1");
    if (tile != 2 && tile != 4 && tile != 6)
        throw std::invalid_argument("winograd: output tile must be 2, 4 or 6, got " + std::to_string(tile));
    const int64_t alpha = tile + 2;
    // One extra cache line between the matrices keeps power-of-two strides from mapping the
    // transform's alpha^2 write streams onto the same L1 sets.
    u_xi_stride_ = ceil_div(params_.out_channels, kGemmMR) * params_.in_channels * kGemmMR + kCacheLineFloats;
    transformed_.reserve(static_cast<size_t>(alpha * alpha * u_xi_stride_));
    load(weight);
}

void Conv3x3Winograd::load(const float* weight) {
    const WeightReader reader(params_, weight, layout_);
    float* u = transformed_.data();
    switch (tile_) {
        case 2: return transform_weights<2>(params_, reader, u, u_xi_stride_);
        case 4: return transform_weights<4>(params_, reader, u, u_xi_stride_);
        default: return transform_weights<6>(params_, reader, u, u_xi_stride_);
    }
}

void Conv3x3Winograd::forward(const float* x, int64_t n, int64_t h, int64_t w, const float* bias,
                              const float* residual, bool relu, float* y) const {
    const Conv2dParams& p = params_;
    const int64_t m = tile_, alpha2 = (m + 2) * (m + 2);
    const int64_t cin = p.in_channels, cout = p.out_channels;
    const int64_t out_h = p.output_h(h), out_w = p.output_w(w);
    const int64_t tiles_h = ceil_div(out_h, m), tiles_w = ceil_div(out_w, m), tiles = tiles_h * tiles_w;

    // Tile blocks (over all images): as large as the L2 budget allows for V and M, in whole 16-tile
    // panels; the last block takes what is left. U is read once per block, so when it is far
    // larger than the caches (deep layers) blocks grow until U's traffic per tile is about V's
    // and M's, in L3.
    const int64_t total_tiles = n * tiles;
    const int64_t l2_block = block_bytes() / (4 * alpha2 * (cin + cout));
    const bool big_weights = 4 * alpha2 * cin * cout > kBigWeightBytes;
    const int64_t wanted = big_weights ? std::max(l2_block, cin * cout / (2 * (cin + cout))) : l2_block;
    const int64_t max_block = std::clamp<int64_t>(wanted / kGemmNR * kGemmNR, kGemmNR, kMaxBlockTiles);
    const int64_t blocks = ceil_div(total_tiles, max_block);
    // Whole panels: split evenly, 49 tiles (a 28 x 28 map with 4 x 4 tiles) made four blocks of
    // 13 and 10, each multiplied as a full 16-column panel.
    const int64_t block_tiles = ceil_div(ceil_div(total_tiles, blocks), kGemmNR) * kGemmNR;

    const double macs = static_cast<double>(total_tiles) * alpha2 * cout * cin;
    const int threads = threads_for(macs, blocks * ceil_div(cout, kGemmMR));
    // Few blocks (small maps): also split the output channels; the parts share each block's V.
    const int64_t max_parts = std::max<int64_t>(1, cout / kMinRowsPerPart);
    const int64_t parts = threads == 1 ? 1 : std::clamp<int64_t>(ceil_div(2 * threads, blocks), 1, max_parts);
    const int64_t rows_per_part = ceil_div(ceil_div(cout, parts), kGemmMR) * kGemmMR;

    const WinogradTileKernels kernels = winograd_tile_kernels(static_cast<int>(m));
    // Big transformed weights stream from memory through the kernel once per tile block.
    const APanelSource u_source = big_weights ? APanelSource::memory : APanelSource::cache;
    const SgemmUkernel ukernel = active_sgemm_ukernel(u_source);
    const SgemmWideUkernel wide = active_sgemm_wide_ukernel(u_source);
    const int64_t panels = ceil_div(block_tiles, kGemmNR), ld = panels * kGemmNR;
    // The transforms touch all alpha^2 matrices per tile: one extra cache line between them keeps
    // power-of-two strides from mapping them all onto the same L1 sets.
    const int64_t v_xi_stride = panels * kGemmNR * cin + kCacheLineFloats;
    const int64_t m_xi_stride = rows_per_part * ld + kCacheLineFloats;
    const int64_t out_plane = out_h * out_w;

    // Whole tiles only: the padded planes also cover the partial tiles' missing rows and columns.
    const int64_t padded_h = tiles_h * m + 2, padded_w = tiles_w * m + 2, padded_plane = padded_h * padded_w;
    float* padded =
        thread_scratch<Scratch::padded_input>(n * cin * padded_plane + 2 * kWinogradInputMargin) + kWinogradInputMargin;
    pad_planes(x, n * cin, h, w, p.pad_top, p.pad_left, padded_h, padded_w, padded,
               threads_for(static_cast<double>(n) * cin * padded_plane, n * cin));

    // The input transform of tiles [first, first + count) into V laid out for a block starting at
    // tile `block_first` (count 8 or less when it starts inside a panel).
    auto transform_input = [&](int64_t block_first, int64_t first, int64_t count, float* v) {
        WinogradInputJob in;
        in.input = padded;
        in.channels = cin;
        in.image_stride = cin * padded_plane;
        in.plane_stride = padded_plane;
        in.row_stride = padded_w;
        in.tiles_per_image = tiles;
        in.tiles_w = tiles_w;
        in.first = first;
        in.count = count;
        const int64_t offset = first - block_first;
        in.v = v + offset / kGemmNR * cin * kGemmNR + offset % kGemmNR;
        in.xi_stride = v_xi_stride;
        kernels.input(in);
    };
    // With several output-channel parts per block, every part needs the block's whole V: it is
    // transformed once, 8 tiles per task, before the parts run (each part redoing it took 3/4 of
    // the input transforms of ResNet-18's 14x14 and 7x7 layers at 2 threads).
    const int64_t block_v_floats = alpha2 * v_xi_stride;
    float* shared_v = parts > 1 ? thread_scratch<Scratch::shared_v>(blocks * block_v_floats) : nullptr;
    if (shared_v) {
        const int64_t groups = ceil_div(block_tiles, kWinogradLanes);
        parallel_for(blocks * groups, threads, [&](int64_t task) {
            const int64_t block = task / groups, first = block * block_tiles + task % groups * kWinogradLanes;
            const int64_t end = std::min({first + kWinogradLanes, (block + 1) * block_tiles, total_tiles});
            if (first < end)
                transform_input(block * block_tiles, first, end - first, shared_v + block * block_v_floats);
        });
    }

    parallel_for(blocks * parts, threads, [&](int64_t task) {
        const int64_t part = task % parts, block = task / parts;
        const int64_t row_begin = part * rows_per_part, row_end = std::min(cout, row_begin + rows_per_part);
        if (row_begin >= row_end) return;
        const int64_t first = block * block_tiles, count = std::min(block_tiles, total_tiles - first);

        float* scratch = thread_scratch<Scratch::task>((shared_v ? 0 : block_v_floats) + alpha2 * m_xi_stride);
        float* v = shared_v ? shared_v + block * block_v_floats : scratch;
        float* products = shared_v ? scratch : scratch + block_v_floats;
        if (!shared_v) transform_input(first, first, count, v);

        // Each A panel of U is used for all of the block's columns while it is in L1; a partial
        // last column panel goes through a PanelMultiplier (the narrow kernel for a few columns).
        const TileEpilogue plain;
        const int64_t full_cols = count / kGemmNR * kGemmNR;
        for (int64_t xi = 0; xi < alpha2; ++xi) {
            const float* v_xi = v + xi * v_xi_stride;
            std::optional<PanelMultiplier> tail;
            if (full_cols < count) tail.emplace(cin, v_xi + full_cols * cin, static_cast<int>(count - full_cols));
            for (int64_t row = row_begin; row < row_end; row += kGemmMR) {
                const int mr = static_cast<int>(std::min<int64_t>(kGemmMR, row_end - row));
                const float* a_panel = u_panel(xi, row / kGemmMR);
                float* c_row = products + xi * m_xi_stride + (row - row_begin) * ld;
                int64_t col = 0;
                if (wide)  // two panels at a time where the ISA has the wide kernel
                    for (; col + kGemmWideNR <= full_cols; col += kGemmWideNR)
                        wide(cin, a_panel, v_xi + col * cin, v_xi + (col + kGemmNR) * cin, c_row + col, ld, mr,
                             kGemmWideNR, plain);
                for (; col < full_cols; col += kGemmNR)
                    ukernel(cin, a_panel, v_xi + col * cin, c_row + col, ld, mr, kGemmNR, plain);
                if (tail) tail->multiply(a_panel, c_row + full_cols, ld, mr, plain);
            }
        }

        WinogradOutputJob out;
        out.m = products;
        out.xi_stride = m_xi_stride;
        out.ld = ld;
        out.rows = row_end - row_begin;
        out.bias = bias ? bias + row_begin : nullptr;
        const int64_t out_offset = row_begin * out_plane;
        out.residual = residual ? residual + out_offset : nullptr;
        out.y = y + out_offset;
        out.image_stride = cout * out_plane;
        out.out_h = out_h;
        out.out_w = out_w;
        out.tiles_per_image = tiles;
        out.tiles_w = tiles_w;
        out.first = first;
        out.count = count;
        out.relu = relu;
        kernels.output(out);
    });
}

}  // namespace cnnengine
