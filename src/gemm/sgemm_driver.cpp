#include "gemm/sgemm_driver.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/aligned_buffer.h"
#include "common/threading.h"
#include "gemm/pack_a_panel.h"
#include "gemm/panel_multiplier.h"

namespace cnnengine {

namespace {

// Packing one B panel (im2col gathers included) costs about two micro-tiles of the same depth.
constexpr int64_t kPackedPanelTileCost = 2;

// Per-thread scratch for packed B blocks (KC x NC floats); grows once, then is reused.
float* b_block_scratch() {
    thread_local AlignedBuffer scratch;
    return scratch.reserve(static_cast<size_t>(kGemmMaxKC * kGemmNC));
}

// Per-thread scratch for blocks of A packed per call: at most max(MC, panel-packing rows) x KC.
float* a_block_scratch() {
    thread_local AlignedBuffer scratch;
    return scratch.reserve(static_cast<size_t>(std::max(kGemmMC, kGemmPanelPackMaxRows) * kGemmMaxKC));
}

// K blocks of equal size (no short tail block that pays the C round trip for little work).
int64_t k_block_size(int64_t depth) {
    const int64_t blocks = ceil_div(depth, kGemmMaxKC);
    return ceil_div(depth, blocks);
}

TileEpilogue block_epilogue(const GemmOutput& out, int64_t pc, int64_t kc, int64_t depth) {
    TileEpilogue ep;
    ep.accumulate = out.accumulate || pc > 0;
    ep.finish = pc + kc == depth;
    ep.relu = out.relu;
    ep.activation = out.activation;
    ep.ldr = out.ldr;
    return ep;
}

// The MR loop over rows [m_begin, m_end) (their A panels at `a`) against the packed B columns
// that `panel` (a PanelMultiplier or WidePanelMultiplier) holds, starting at column `col`.
template <class Multiplier>
inline void run_row_tiles(GemmA::Panels a, const Multiplier& panel, const GemmOutput& out, TileEpilogue& ep,
                          int64_t m_begin, int64_t m_end, int64_t col) {
    ep.col_bias = out.col_bias ? out.col_bias + col : nullptr;
    const float* a_panel = a.first;
    for (int64_t row = m_begin; row < m_end; row += kGemmMR, a_panel += a.stride) {
        const int mr = static_cast<int>(std::min<int64_t>(kGemmMR, m_end - row));
        ep.row_bias = out.row_bias ? out.row_bias + row : nullptr;
        ep.residual = out.residual ? out.residual + row * out.ldr + col : nullptr;
        panel.multiply(a_panel, out.c + row * out.ldc + col, out.ldc, mr, ep);
    }
}

// Fetches toward L2 the C lines (and residual lines, on the last K block) of rows [m_begin,
// m_end), columns [col, col + cols): called one column step ahead of the row tiles that use them.
// Every row of C is written a tile's width at a time, so a sweep over the rows keeps one stream
// per row in flight, more than the hardware prefetcher follows; where C was cold in DRAM (a
// network's first conv output, after its weights have passed through L3) each tile waited on its
// lines, and the tile's own prefetch, a few hundred cycles ahead, did not cover DRAM's latency.
void prefetch_c_columns(const GemmOutput& out, const TileEpilogue& ep, int64_t m_begin, int64_t m_end, int64_t col,
                        int64_t cols) {
    if (cols <= 0) return;
    const float* residual = ep.finish ? out.residual : nullptr;
    for (int64_t row = m_begin; row < m_end; ++row) {
        const float* c = out.c + row * out.ldc + col;
        const float* r = residual ? residual + row * out.ldr + col : nullptr;
        for (int64_t j = 0; j < cols + kCacheLineFloats - 1; j += kCacheLineFloats) {
            const int64_t at = std::min(j, cols - 1);
            __builtin_prefetch(c + at, 1, 2);
            if (r) __builtin_prefetch(r + at, 0, 2);
        }
    }
}

// The row tiles against the `nr` columns from `col` (one step of column_step) whose packed panels
// start at `b_panel`, the second `b_next` (when nr > NR).
inline void run_column_step(GemmA::Panels a, const float* b_panel, const float* b_next, SgemmWideUkernel wide,
                            const GemmOutput& out, TileEpilogue& ep, int64_t kc, int64_t m_begin, int64_t m_end,
                            int64_t col, int nr) {
    if (nr > kGemmNR)
        run_row_tiles(a, WidePanelMultiplier(kc, b_panel, b_next, nr, wide), out, ep, m_begin, m_end, col);
    else
        run_row_tiles(a, PanelMultiplier(kc, b_panel, nr), out, ep, m_begin, m_end, col);
}

// Few rows: pack each B panel (or pair, for the wide kernel) just before use (it stays in L1;
// all of A stays in L2).
void range_packing_panels(const GemmA& a, const BPanelPacker& packer, const GemmOutput& out,
                          const GemmRange& range) {
    const int64_t depth = a.depth(), kc_max = k_block_size(depth);
    const SgemmWideUkernel wide = active_sgemm_wide_ukernel();
    float* panel = b_block_scratch();
    for (int64_t pc = 0; pc < depth; pc += kc_max) {
        const int64_t kc = std::min(kc_max, depth - pc);
        const GemmA::Panels a_block = a.panels(range.m_begin, range.m_end, pc, kc);
        TileEpilogue ep = block_epilogue(out, pc, kc, depth);
        for (int64_t col = range.n_begin; col < range.n_end;) {
            const int nr = static_cast<int>(std::min(column_step(wide, range.n_end - col), range.n_end - col));
            const int64_t next = col + nr;
            prefetch_c_columns(out, ep, range.m_begin, range.m_end, next,
                               std::min(column_step(wide, range.n_end - next), range.n_end - next));
            packer.pack(pc, kc, col, nr, panel);
            run_column_step(a_block, panel, panel + kc * kGemmNR, wide, out, ep, kc, range.m_begin, range.m_end,
                            col, nr);
            col += nr;
        }
    }
}

// Classic Goto order: a KC x NC block of B (packed here or pre-packed), A in MC-row blocks.
void range_packing_blocks(const GemmA& a, const GemmB& b, const GemmOutput& out, const GemmRange& range) {
    const int64_t depth = a.depth(), kc_max = k_block_size(depth);
    float* b_block = b.packer ? b_block_scratch() : nullptr;
    const SgemmWideUkernel wide = active_sgemm_wide_ukernel();
    for (int64_t jc = range.n_begin; jc < range.n_end; jc += kGemmNC) {
        const int64_t nc = std::min(kGemmNC, range.n_end - jc);
        for (int64_t pc = 0; pc < depth; pc += kc_max) {
            const int64_t kc = std::min(kc_max, depth - pc);
            if (b.packer) b.packer->pack(pc, kc, jc, nc, b_block);
            TileEpilogue ep = block_epilogue(out, pc, kc, depth);
            for (int64_t ic = range.m_begin; ic < range.m_end; ic += kGemmMC) {
                const int64_t m_end = std::min(ic + kGemmMC, range.m_end);
                const GemmA::Panels a_block = a.panels(ic, m_end, pc, kc);
                for (int64_t jr = 0; jr < nc;) {
                    const int64_t col = jc + jr;
                    const int nr = static_cast<int>(std::min(column_step(wide, nc - jr), nc - jr));
                    auto panel_at = [&](int64_t j) {
                        return b.packer ? b_block + j * kc : b.packed->panel((jc + j) / kGemmNR, pc);
                    };
                    const float* b_next = nr > kGemmNR ? panel_at(jr + kGemmNR) : nullptr;
                    run_column_step(a_block, panel_at(jr), b_next, wide, out, ep, kc, ic, m_end, col, nr);
                    jr += nr;
                }
            }
        }
    }
}

// Big pre-packed A against few columns (1 x 1 convs on 7 x 7 maps at batch 1: ResNet-50's layer4
// has 4 MiB of weights and 49 pixels): every weight serves at most four column panels, so the
// product waits on DRAM. B's columns are packed once at full depth (they stay in L2); each A row
// panel then runs over its whole depth, contiguous, against every column step: the first
// streams it from memory (the stream-A kernel prefetches 4 KiB ahead), the others find it in
// L2, and C is written once. The K-blocked loops read each panel in pieces too short for that
// prefetch, and left the last pixel to pointwise_tail, which read the weights a second time.
void range_streaming_a(const GemmA& a, const GemmB& b, const GemmOutput& out, const GemmRange& range) {
    const int64_t depth = a.depth(), cols = range.n_end - range.n_begin;
    const float* b_block = nullptr;
    if (b.packer) {
        float* packed = b_block_scratch();
        b.packer->pack(0, depth, range.n_begin, cols, packed);
        b_block = packed;
    }
    auto panel_at = [&](int64_t jr) {
        return b.packer ? b_block + jr * depth : b.packed->panel((range.n_begin + jr) / kGemmNR, 0);
    };
    // One multiplier per column step (a panel, or two for the wide kernel), made once: a narrow
    // last panel is expanded only once.
    struct Step {
        int64_t first_column;
        std::optional<PanelMultiplier> single;
        std::optional<WidePanelMultiplier> pair;
    };
    std::vector<Step> steps;
    for (int64_t jr = 0; jr < cols;) {
        const APanelSource source = jr == 0 ? APanelSource::memory : APanelSource::cache;
        const SgemmWideUkernel wide = active_sgemm_wide_ukernel(source);
        const int nr = static_cast<int>(std::min(column_step(wide, cols - jr), cols - jr));
        Step& step = steps.emplace_back(Step{jr, std::nullopt, std::nullopt});
        if (nr > kGemmNR)
            step.pair.emplace(depth, panel_at(jr), panel_at(jr + kGemmNR), nr, wide);
        else
            step.single.emplace(depth, panel_at(jr), nr, source);
        jr += nr;
    }
    TileEpilogue ep = block_epilogue(out, 0, depth, depth);
    for (int64_t row = range.m_begin; row < range.m_end; row += kGemmMR) {
        const int mr = static_cast<int>(std::min<int64_t>(kGemmMR, range.m_end - row));
        const float* a_panel = a.packed()->panel(row / kGemmMR, 0);
        ep.row_bias = out.row_bias ? out.row_bias + row : nullptr;
        for (const Step& step : steps) {
            const int64_t col = range.n_begin + step.first_column;
            ep.col_bias = out.col_bias ? out.col_bias + col : nullptr;
            ep.residual = out.residual ? out.residual + row * out.ldr + col : nullptr;
            float* c = out.c + row * out.ldc + col;
            if (step.pair)
                step.pair->multiply(a_panel, c, out.ldc, mr, ep);
            else
                step.single->multiply(a_panel, c, out.ldc, mr, ep);
        }
    }
}

}  // namespace

bool gemm_streams_a(const GemmA& a, int64_t cols) {
    return a.packed() && a.packed()->bytes() >= kStreamAMinBytes && cols <= kStreamAMaxCols &&
           a.depth() * ceil_div(cols, kGemmNR) * kGemmNR <= kGemmMaxKC * kGemmNC;
}

GemmA::Panels GemmA::panels(int64_t m_begin, int64_t m_end, int64_t k0, int64_t kc) const {
    if (packed_) return {packed_->panel(m_begin / kGemmMR, k0), depth_ * kGemmMR};
    float* block = a_block_scratch();
    const PackAPanel pack_panel = active_pack_a_panel();
    for (int64_t row = m_begin; row < m_end; row += kGemmMR)
        pack_panel(matrix_ + row * lda_ + k0, lda_, static_cast<int>(std::min<int64_t>(kGemmMR, m_end - row)), kc,
                   block + (row - m_begin) * kc);
    return {block, kc * kGemmMR};
}

void sgemm_range(const GemmA& a, const GemmB& b, const GemmOutput& out, const GemmRange& range) {
    if (gemm_streams_a(a, range.n_end - range.n_begin))
        range_streaming_a(a, b, out, range);
    else if (b.packer && range.m_end - range.m_begin <= kGemmPanelPackMaxRows)
        range_packing_panels(a, *b.packer, out, range);
    else
        range_packing_blocks(a, b, out, range);
}

std::vector<GemmRange> split_gemm(int64_t rows, int64_t cols, int parts, bool packs_b) {
    const int64_t row_panels = ceil_div(rows, kGemmMR);
    const int64_t col_panels = ceil_div(cols, kGemmNR);
    // Part (i, j) of a row_parts x col_parts grid: row panels [row_panels * i / row_parts, ...),
    // columns from column panel col_panels * j / col_parts on, the last part's ending at `cols`.
    auto rows_of = [&](int64_t i, int64_t row_parts) {
        const int64_t m0 = row_panels * i / row_parts * kGemmMR;
        return std::pair{m0, std::min(rows, row_panels * (i + 1) / row_parts * kGemmMR)};
    };
    auto cols_of = [&](int64_t j, int64_t col_parts) {
        const int64_t n0 = col_panels * j / col_parts * kGemmNR;
        return std::pair{n0, std::min(cols, col_panels * (j + 1) / col_parts * kGemmNR)};
    };
    // Pick the grid (row_parts x col_parts = parts) with the least work on the busiest part: its
    // row panels (plus, when it packs B, the cost of packing a panel) times its columns. Columns,
    // not column panels: on 7 x 7 maps (49 columns) two column parts are 32 and 17 columns wide,
    // and counted as two panels each they looked as good as splitting the rows.
    const int64_t pack_cost = packs_b ? kPackedPanelTileCost : 0;
    int64_t best_row_parts = 1, best_cost = -1;
    for (int64_t row_parts = 1; row_parts <= parts; ++row_parts) {
        if (parts % row_parts != 0) continue;
        const int64_t col_parts = parts / row_parts;
        if (row_parts > row_panels || col_parts > col_panels) continue;
        int64_t most_rows = 0, most_cols = 0;
        for (int64_t i = 0; i < row_parts; ++i) {
            const auto [m0, m1] = rows_of(i, row_parts);
            most_rows = std::max(most_rows, ceil_div(m1 - m0, kGemmMR));
        }
        for (int64_t j = 0; j < col_parts; ++j) {
            const auto [n0, n1] = cols_of(j, col_parts);
            most_cols = std::max(most_cols, n1 - n0);
        }
        const int64_t cost = (most_rows + pack_cost) * most_cols;
        if (best_cost < 0 || cost < best_cost) {
            best_cost = cost;
            best_row_parts = row_parts;
        }
    }
    const int64_t row_parts = std::min(best_row_parts, row_panels);
    const int64_t col_parts = std::min<int64_t>(parts / best_row_parts, col_panels);
    std::vector<GemmRange> ranges;
    for (int64_t i = 0; i < row_parts; ++i) {
        const auto [m0, m1] = rows_of(i, row_parts);
        for (int64_t j = 0; j < col_parts; ++j) {
            const auto [n0, n1] = cols_of(j, col_parts);
            if (m0 < m1 && n0 < n1) ranges.push_back({m0, m1, n0, n1});
        }
    }
    return ranges;
}

void sgemm(const GemmA& a, const GemmB& b, const GemmOutput& out) {
    const double macs = static_cast<double>(a.rows()) * b.cols * a.depth();
    const int threads = threads_for(macs, ceil_div(a.rows(), kGemmMR) * ceil_div(b.cols, kGemmNR));
    const std::vector<GemmRange> ranges = split_gemm(a.rows(), b.cols, threads, b.packer != nullptr);
    parallel_for(static_cast<int64_t>(ranges.size()), threads,
                 [&](int64_t i) { sgemm_range(a, b, out, ranges[i]); });
}

}  // namespace cnnengine
