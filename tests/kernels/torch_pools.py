"""PyTorch twin of pooling with padding that differs at the two ends of an axis, which torch's
pools cannot express: pool the explicitly padded input instead (-inf for max; zeros for average,
divided by a pooled mask of the cells the divisor counts). Differentiable, for backward tests."""
import math


def asymmetric_pool(torch, name, t, kernel_size, stride, padding, ceil_mode=False, count_include_pad=True):
    top, left, bottom, right = padding
    F = torch.nn.functional
    pads = (left, right, top, bottom)
    if name == "max_pool2d":
        return F.max_pool2d(F.pad(t, pads, value=-math.inf), kernel_size, stride, ceil_mode=ceil_mode)
    sums = F.avg_pool2d(F.pad(t, pads), kernel_size, stride, ceil_mode=ceil_mode, divisor_override=1)
    counted = F.pad(torch.ones_like(t[:1, :1]), pads, value=1.0 if count_include_pad else 0.0)
    return sums / F.avg_pool2d(counted, kernel_size, stride, ceil_mode=ceil_mode, divisor_override=1)
