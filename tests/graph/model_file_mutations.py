"""Ways to damage a model file, for the loader's fuzz test. Each mutation takes a random source
and the members of a valid file ({name: raw .npy bytes}) or its whole bytes, and returns the
bytes of a new file. Structural mutations rebuild a valid zip around damaged members so that the
damage reaches the .npy and JSON parsers instead of stopping at the zip's CRC check."""
import io
import json
import random
import zipfile

import numpy as np

HTML = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>nope</body></html>\n"
ODD_DTYPES = ["<f8", "<f2", ">f4", "|u1", "<i8", "|b1", "<c8", "|O", "<U8", "|V16", "|S4", "<M8[s]"]
HUGE = [2 ** 31, 2 ** 40, 2 ** 62, 2 ** 63 - 1, 10 ** 12, 0, -1]
ODD_JSON = [None, True, -1, 0, 2 ** 63, 10 ** 30, 1.5, float("nan"), "x" * 50, [], {}, [2 ** 40, 2 ** 40], [-3, 0],
            {"a": 1}, [1, 2, 3, 4, 5]]


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_members(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_with_header(header: str, payload: bytes) -> bytes:
    """A version 1.0 .npy member with a hand-written header dict (padded as numpy does)."""
    text = header.encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + payload


# -- whole-file damage ------------------------------------------------------------------------------
def truncate(r, data, members):
    return data[:r.randrange(len(data))]


def flip_bits(r, data, members):
    out = bytearray(data)
    for _ in range(r.randint(1, 8)):
        out[r.randrange(len(out))] ^= 1 << r.randrange(8)
    return bytes(out)


def overwrite_span(r, data, members):
    out = bytearray(data)
    start = r.randrange(len(out))
    out[start:start + r.randint(1, 64)] = r.randbytes(r.randint(1, 64))
    return bytes(out)


def random_bytes(r, data, members):
    return r.randbytes(r.randint(0, 4096))


def html_page(r, data, members):
    return HTML * r.randint(1, 3)


# -- member damage inside a valid zip ---------------------------------------------------------------
def header_shape(r, data, members):
    name = r.choice(list(members))
    shape = tuple(r.choice(HUGE + [1, 3, 7]) for _ in range(r.randint(0, 5)))
    return zip_bytes({**members, name: npy_with_header(
        f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}", members[name][128:])})


def header_dtype(r, data, members):
    name = r.choice(list(members))
    return zip_bytes({**members, name: npy_with_header(
        f"{{'descr': '{r.choice(ODD_DTYPES)}', 'fortran_order': {r.choice([False, True])}, 'shape': (4,), }}",
        r.randbytes(r.randint(0, 64)))})


def header_garbage(r, data, members):
    name = r.choice(list(members))
    header = r.choice(["{", "{'descr': '<f4'}", "__import__('os')", "{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (1e9,), }", "[1, 2]", "{'shape': 'x'}", r.randbytes(40).decode("latin1")])
    return zip_bytes({**members, name: npy_with_header(header, b"")})


def member_set(r, data, members):
    changed = dict(members)
    choice = r.randrange(4)
    if choice == 0:
        del changed[r.choice(list(changed))]
    elif choice == 1:
        changed[r.choice(["extra.npy", "notes.txt", "../evil.npy", "__format__.npy"])] = npy_bytes(np.zeros(3, np.float32))
    elif choice == 2:
        changed[r.choice(list(changed))] = npy_bytes(r.choice([np.zeros((0,), np.float32), np.zeros((2, 2), np.float64),
                                                                np.arange(5, dtype=np.int64), np.array(3.0, np.float32)]))
    else:
        changed["__format__.npy"] = npy_bytes(np.array([r.choice([0, 2, -1, 2 ** 62])], np.int64))
    return zip_bytes(changed)


def json_member(r, data, members):
    key = r.choice(["__graph__.npy", "__metadata__.npy"])
    value = json.loads(np.lib.format.read_array(io.BytesIO(members[key])).tobytes())
    for _ in range(r.randint(1, 4)):
        value = mutate_json(r, value)
    text = json.dumps(value) if r.random() < 0.9 else json.dumps(value)[:r.randint(0, 50)]
    return zip_bytes({**members, key: npy_bytes(np.frombuffer(text.encode(), np.uint8))})


def mutate_json(r, value):
    """Replaces, deletes or adds one entry somewhere inside a JSON value."""
    if isinstance(value, dict) and value and r.random() < 0.8:
        key = r.choice(list(value))
        action = r.randrange(4)
        if action == 0:
            return {k: v for k, v in value.items() if k != key}
        if action == 1:
            return {**value, key: r.choice(ODD_JSON)}
        if action == 2:
            return {**value, r.choice(["relu", "residual", "groups", "bogus", "shape"]): r.choice(ODD_JSON)}
        return {**value, key: mutate_json(r, value[key])}
    if isinstance(value, list) and value and r.random() < 0.8:
        index = r.randrange(len(value))
        changed = list(value)
        if r.random() < 0.2:
            del changed[index]
        else:
            changed[index] = mutate_json(r, value[index])
        return changed
    return r.choice(ODD_JSON)


MUTATIONS = [truncate, flip_bits, overwrite_span, random_bytes, html_page, header_shape, header_dtype,
             header_garbage, member_set, json_member]


def mutated_file(seed: int, data: bytes, members) -> bytes:
    r = random.Random(seed)
    return r.choice(MUTATIONS)(r, data, members)
