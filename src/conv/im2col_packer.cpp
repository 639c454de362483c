#include "conv/im2col_packer.h"

#include <algorithm>

namespace cnnengine {

Im2colPanel Im2colBPacker::panel_at(int64_t col0, int cols) const {
    Im2colPanel panel;
    panel.params = &p_;
    panel.image = image_;
    panel.h = h_;
    panel.w = w_;
    panel.phase_split = phase_split_;
    panel.cols = cols;
    panel.run_count = 0;
    for (int c = 0; c < cols;) {
        const int64_t oy = (col0 + c) / out_w_, ox = (col0 + c) % out_w_;
        const int count = static_cast<int>(std::min<int64_t>(cols - c, out_w_ - ox));
        panel.runs[panel.run_count++] = {c, count, oy * p_.stride_h - p_.pad_top, ox * p_.stride_w - p_.pad_left};
        c += count;
    }
    return panel;
}

void Im2colBPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const {
    for (int64_t jr = 0; jr < nc; jr += kGemmNR) {
        const int cols = static_cast<int>(std::min<int64_t>(kGemmNR, nc - jr));
        pack_panel_(panel_at(n0 + jr, cols), k0, kc, out + jr * kc);
    }
}

}  // namespace cnnengine
