"""Every kernel test runs once per ISA path the CPU supports (scalar always, AVX2/FMA and AVX-512
if present), and with 2 threads so that the parallel split is exercised."""
import pytest

from cnnengine import _C

ISAS = ["scalar"] + (["avx2"] if _C.cpu_supports_avx2_fma() else []) + (["avx512"] if _C.cpu_supports_avx512() else [])


@pytest.fixture(autouse=True, params=ISAS)
def isa(request):
    previous_isa, previous_threads = _C.active_isa(), _C.get_num_threads()
    _C.set_isa(request.param)
    _C.set_num_threads(2)
    yield request.param
    _C.set_isa(previous_isa)
    _C.set_num_threads(previous_threads)
