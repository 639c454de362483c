"""Central finite differences in float64: the independent oracle for every backward kernel."""
import numpy as np


def numeric_grad(loss, array, rng, samples=12, step=1e-6):
    """(indices, dL/da at those indices) of scalar loss(array) for a few random entries of `array`
    (a float64 copy is perturbed; `loss` must compute in float64)."""
    base = np.array(array, dtype=np.float64)
    flat = base.reshape(-1)
    indices = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
    grads = []
    for i in indices:
        saved = flat[i]
        flat[i] = saved + step
        up = loss(base)
        flat[i] = saved - step
        down = loss(base)
        flat[i] = saved
        grads.append((up - down) / (2 * step))
    return indices, np.array(grads)


def assert_matches_finite_differences(grad, loss, array, rng, rtol=1e-3, atol=1e-4):
    indices, expected = numeric_grad(loss, array, rng)
    np.testing.assert_allclose(np.asarray(grad, dtype=np.float64).reshape(-1)[indices], expected, rtol=rtol, atol=atol)
