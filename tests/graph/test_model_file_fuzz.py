"""Fuzzing the loader: 10,000 damaged model files (truncated, bit-flipped, random bytes, HTML,
huge or negative .npy dimensions, odd dtypes, malformed headers, missing/extra members, mangled
graph and metadata JSON) must each load or raise a CnnEngineError: no crash, no other exception
(MemoryError included), no hang."""
import signal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnnengine
from cnnengine import CnnEngineError
from model_file_mutations import MUTATIONS, read_members
from test_builder_and_executor import residual_net

FUZZ_CASES = 10_000
CASE_TIMEOUT_S = 10


class Hang(Exception):
    pass


def raise_hang(signum, frame):
    raise Hang(f"loading one file took over {CASE_TIMEOUT_S} s")


def test_damaged_model_files_raise_cnnengine_errors_only(tmp_path):
    source = tmp_path / "valid.npz"
    residual_net().save(source)
    data = source.read_bytes()
    members = read_members(data)
    case = tmp_path / "case.npz"
    outcomes = {"loaded": 0, "refused": 0}

    @settings(max_examples=FUZZ_CASES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(mutation=st.sampled_from(MUTATIONS), r=st.randoms(use_true_random=False))
    def load_damaged(mutation, r):
        case.write_bytes(mutation(r, data, members))
        signal.setitimer(signal.ITIMER_REAL, CASE_TIMEOUT_S)
        try:
            cnnengine.load(case)
            outcomes["loaded"] += 1
        except CnnEngineError:
            outcomes["refused"] += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    previous = signal.signal(signal.SIGALRM, raise_hang)
    try:
        load_damaged()
    finally:
        signal.signal(signal.SIGALRM, previous)
    print(f"fuzzed {sum(outcomes.values())} model files: {outcomes}")
    assert sum(outcomes.values()) >= FUZZ_CASES
    assert outcomes["refused"] > FUZZ_CASES // 2  # the mutations really damage the files
