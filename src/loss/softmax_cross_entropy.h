// Fused softmax + cross-entropy over logits [N x C] with integer labels and optional label
// smoothing eps (torch.nn.functional.cross_entropy(label_smoothing=eps), mean over the batch):
//   q = (1 - eps) * onehot(label) + eps / C,  loss = mean_n -sum_c q_c log softmax(z_n)_c
//   dL/dz_n = (softmax(z_n) - q) / N          (written to dlogits when it is not null)
// Log-sum-exp per row in double; threaded over rows. Reference: softmax_cross_entropy_ref.
#pragma once

#include <cstdint>

namespace cnnengine {

// labels are in [0, classes) (checked by the caller). Returns the mean loss.
double softmax_cross_entropy(const float* logits, const int64_t* labels, int64_t batch, int64_t classes,
                             double smoothing, float* dlogits);
double softmax_cross_entropy_ref(const float* logits, const int64_t* labels, int64_t batch, int64_t classes,
                                 double smoothing, float* dlogits);

}  // namespace cnnengine
