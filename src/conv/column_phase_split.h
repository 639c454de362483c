// Input rows rearranged by column phase for strided im2col (im2col_panel.h): with stride s, phase
// r = x mod s holds columns r, r + s, r + 2s, ... in order, after phases 0 .. r-1. The columns a
// stride-s run of output pixels reads are then contiguous, so panels are packed with plain vector
// loads instead of gathers. Rows keep their width w, planes their size.
#pragma once

#include <cstdint>

namespace cnnengine {

// Where column x of a row of width w lands, for any integer x (also in the padding, below 0 or
// past w): consecutive columns of one phase land on consecutive floats, so a run's window can
// start outside the row.
inline int64_t phase_split_column(int64_t x, int64_t w, int64_t s) {
    const int64_t phase = ((x % s) + s) % s;
    const int64_t phase_start = phase * (w / s) + (phase < w % s ? phase : w % s);  // phase j holds ceil((w-j)/s)
    return phase_start + (x - phase) / s;
}

// `rows` rows of width w from `in`, split by column phase for stride s >= 2, in the calling
// thread's scratch (valid until its next call); threaded over rows.
const float* split_columns_by_phase(const float* in, int64_t rows, int64_t w, int64_t s);

}  // namespace cnnengine
