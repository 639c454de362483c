"""Model tests share expensive module-scoped cases (a PyTorch twin, the converted graph, reference
logits), parametrized by network name and also requested indirectly by tests that cover only
some networks. pytest groups module-scoped parameters by their index in each parametrize list,
so `case="googlenet"` of a subset test would land among another network's tests and the case
would be built twice. After pytest's own ordering, this puts the tests that request the same
`case` next to each other (stable: otherwise in pytest's order), so each case is built once.
Only tests below this folder are touched (the hook sees the whole session's items)."""
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _case_key(item):
    callspec = getattr(item, "callspec", None)
    if callspec is None or "case" not in callspec.params or HERE not in Path(item.path).resolve().parents:
        return None
    return (str(item.path), callspec.params["case"])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    slots = [index for index, item in enumerate(items) if _case_key(item) is not None]
    first_seen = {}
    for index in slots:
        first_seen.setdefault(_case_key(items[index]), len(first_seen))
    ordered = sorted((items[index] for index in slots), key=lambda item: first_seen[_case_key(item)])
    for index, item in zip(slots, ordered):
        items[index] = item
