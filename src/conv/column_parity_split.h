// Input rows rearranged as [even columns | odd columns] for stride-2 im2col (im2col_panel.h):
// the columns a stride-2 run of output pixels reads are then contiguous, so panels are packed
// with plain vector loads instead of gathers. Rows keep their width w, planes their size.
#pragma once

#include <cstdint>

namespace cnnengine {

// Where column x (any integer; x & 1 is its parity, also below 0) of a row of width w lands.
inline int64_t parity_split_column(int64_t x, int64_t w) { return (x & 1) * ((w + 1) / 2) + (x - (x & 1)) / 2; }

// `rows` rows of width w from `in`, split by parity, in the calling thread's scratch (valid until
// its next call); threaded over rows.
const float* split_columns_by_parity(const float* in, int64_t rows, int64_t w);

}  // namespace cnnengine
