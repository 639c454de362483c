"""Runtime settings: thread count, ISA selection (CNNENGINE_ISA) and build_info()."""
import os
import subprocess
import sys

import numpy as np
import pytest

import cnnengine
from cnnengine import _C


def test_build_info_reports_isa_openmp_threads():
    info = cnnengine.build_info()
    assert info["isa"] in ("avx512", "avx2_fma", "scalar")
    # The library that provides omp_get_max_threads, or "none" for a serial build.
    assert info["openmp"] in ("libgomp", "libomp", "libiomp", "none") or os.path.isfile(info["openmp"])
    assert info["num_threads"] == cnnengine.get_num_threads() >= 1
    if not os.environ.get("CNNENGINE_ISA"):  # the widest ISA the CPU has
        if info["cpu_supports_avx512"]:
            assert info["isa"] == "avx512"
        elif info["cpu_supports_avx2_fma"]:
            assert info["isa"] == "avx2_fma"


def test_set_num_threads_round_trip():
    previous = cnnengine.get_num_threads()
    try:
        cnnengine.set_num_threads(1)
        assert cnnengine.get_num_threads() == 1
        cnnengine.set_num_threads(3)
        assert cnnengine.build_info()["num_threads"] == 3
    finally:
        cnnengine.set_num_threads(previous)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_set_num_threads_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="num_threads must be an int >= 1"):
        cnnengine.set_num_threads(bad)


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_environment_variable_forces_scalar_path():
    result = run_python("import cnnengine; print(cnnengine.build_info()['isa'])", CNNENGINE_ISA="scalar")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "scalar"


def test_unknown_isa_fails_import_with_a_clear_message():
    result = run_python("import cnnengine", CNNENGINE_ISA="avx1024")
    assert result.returncode != 0
    assert "unknown ISA 'avx1024'" in result.stderr


def test_set_isa_avx512_only_where_the_cpu_has_it():
    previous = _C.active_isa()
    try:
        if _C.cpu_supports_avx512():
            _C.set_isa("avx512")
            assert _C.active_isa() == "avx512"
        else:
            with pytest.raises(ValueError, match="lacks AVX-512F"):
                _C.set_isa("avx512")
    finally:
        _C.set_isa(previous)


def test_set_isa_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown ISA 'sse9'"):
        _C.set_isa("sse9")


def test_caller_floating_point_state_is_restored():
    # Workers flush denormals while they compute; the caller must see IEEE behaviour afterwards.
    a = np.full((64, 64), 1e-20, np.float32)
    _C.sgemm(a, a)
    tiny = np.float32(1e-38)
    assert tiny / np.float32(1e3) != 0  # a denormal result survives: FTZ is off again
