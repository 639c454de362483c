"""The .npz model file (docs/model-format.md): a zip of .npy members readable with numpy alone.

  __format__    int64 [1]: the format version (FORMAT_VERSION)
  __graph__     uint8 [n]: UTF-8 JSON of the topology (Graph.structure())
  __metadata__  uint8 [n]: UTF-8 JSON of the metadata (name, labels, preprocessing, ...)
  <name>        float32: one parameter per PyTorch state_dict name ("layer1.0.conv1.weight")

Files are data: loaded with allow_pickle=False, every member's declared size is checked against
the bytes stored before numpy allocates it, and the graph is validated before anything is packed.

A loaded graph keeps the file as the source of its parameters (Graph.keep_file_source), so that a
Model may drop the arrays once it has packed them. Reading them again checks that every member
still has the CRC-32 and size it had (zipfile checks the bytes against the CRC as it reads).
"""
import json
import os
import tokenize
import zipfile
from math import prod
from typing import Dict

import numpy as np

from cnnengine.errors import GraphError, ModelFormatError
from cnnengine.graph import Graph

FORMAT_VERSION = 1
FORMAT_KEY, GRAPH_KEY, METADATA_KEY = "__format__", "__graph__", "__metadata__"
RESERVED_KEYS = (FORMAT_KEY, GRAPH_KEY, METADATA_KEY)
READ_CHUNK_BYTES = 1 << 20
HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def json_bytes(value) -> np.ndarray:
    return np.frombuffer(json.dumps(value, sort_keys=True).encode("utf-8"), dtype=np.uint8)


def save_graph(graph: Graph, path) -> None:
    """Writes graph topology, metadata and parameters to `path` (.npz, uncompressed)."""
    for name in graph.params:
        if name in RESERVED_KEYS:
            raise GraphError(f"parameter name '{name}' is reserved by the model format")
    members = {FORMAT_KEY: np.array([FORMAT_VERSION], dtype=np.int64), GRAPH_KEY: json_bytes(graph.structure()),
               METADATA_KEY: json_bytes(graph.metadata)}
    members.update({name: np.ascontiguousarray(value, dtype=np.float32) for name, value in graph.params.items()})
    with open(path, "wb") as file:
        np.savez(file, **members)


def load_graph(path) -> Graph:
    """Reads and validates a model file; every problem is a ModelFormatError naming the file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFormatError(f"model file not found: {path}")
    members, fingerprint = read_model_file(path)
    for key in RESERVED_KEYS:
        if key not in members:
            raise ModelFormatError(f"{path}: not a cnnengine model file (no '{key}' member)")
    version = members[FORMAT_KEY]
    if version.dtype.kind not in "iu" or version.shape != (1,):
        raise ModelFormatError(f"{path}: malformed '{FORMAT_KEY}' member")
    if int(version[0]) != FORMAT_VERSION:
        raise ModelFormatError(f"{path}: model format version {int(version[0])} is not supported "
                               f"(this cnnengine reads version {FORMAT_VERSION})")
    structure, metadata = (decode_json(path, key, members[key]) for key in (GRAPH_KEY, METADATA_KEY))
    if not isinstance(structure, dict) or not isinstance(metadata, dict):
        raise ModelFormatError(f"{path}: graph and metadata must be JSON objects")
    params = {}
    for name, value in members.items():
        if name in RESERVED_KEYS:
            continue
        if value.dtype != np.float32:
            raise ModelFormatError(f"{path}: parameter '{name}' has dtype {value.dtype}, expected float32")
        params[name] = value
    try:
        graph = Graph.from_structure(structure, params, metadata)
        graph.validate()
    except GraphError as error:
        raise ModelFormatError(f"{path}: {error}") from None
    graph.keep_file_source(lambda: reload_params(path, fingerprint))
    return graph


def read_model_file(path):
    """(members, fingerprint) of a model file; ModelFormatError when it is not a readable zip of .npy."""
    try:
        return read_members(path)
    except ModelFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError,
            NotImplementedError) as error:
        raise ModelFormatError(f"{path}: not a readable cnnengine model file ({error})") from None


def reload_params(path, fingerprint) -> Dict[str, np.ndarray]:
    """The parameters of a model file read before, if the file still holds the same members."""
    try:
        members, now = read_model_file(path)
    except ModelFormatError as error:
        raise ModelFormatError(f"the model's parameters were released after packing and must be read from "
                               f"{path} again, which failed: {error}") from None
    if now != fingerprint:
        raise ModelFormatError(f"{path} changed since the model was loaded from it, so its parameters (released "
                               "after packing) cannot be read again; load the model again")
    return {name: value for name, value in members.items() if name not in RESERVED_KEYS}


def read_members(path):
    """Every .npy member of the zip, after checking its header against its stored size, and the
    fingerprint of the file: {member: (CRC-32, size)}."""
    members = {}
    with zipfile.ZipFile(path) as archive:
        fingerprint = {info.filename: (info.CRC, info.file_size) for info in archive.infolist()}
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ModelFormatError(f"{path}: unexpected member '{info.filename}'")
            name = info.filename[:-4]
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = HEADER_READERS.get(version)
                if read_header is None:
                    raise ModelFormatError(f"{path}: member '{name}' has unsupported .npy version {version}")
                try:
                    shape, fortran_order, dtype = read_header(member)
                except (ValueError, SyntaxError, TypeError, OverflowError, tokenize.TokenError) as error:
                    raise ModelFormatError(f"{path}: member '{name}' has a malformed .npy header ({error})") from None
                if any(dim < 0 for dim in shape):
                    raise ModelFormatError(f"{path}: member '{name}' declares a negative dimension {tuple(shape)}")
                if dtype.hasobject:
                    raise ModelFormatError(f"{path}: member '{name}' holds Python objects; refused (no pickle)")
                declared = prod(shape) * dtype.itemsize
                if declared > info.file_size:
                    raise ModelFormatError(f"{path}: member '{name}' declares {declared} bytes of data "
                                           f"{tuple(shape)} but stores only {info.file_size}")
                members[name] = read_data(member, shape, fortran_order, dtype, f"{path}: member '{name}'")
    return members, fingerprint


def read_data(member, shape, fortran_order, dtype, what) -> np.ndarray:
    """The array whose .npy header was just read from `member`, read on from there in chunks (as
    numpy's read_array does, without opening the member and parsing its header a second time);
    zipfile checks the bytes against the member's CRC-32 as they are read."""
    flat = np.empty(prod(shape), dtype=dtype)
    target = memoryview(flat).cast("B")
    position = 0
    while position < flat.nbytes:
        chunk = member.read(min(READ_CHUNK_BYTES, flat.nbytes - position))
        if not chunk:
            raise ModelFormatError(f"{what} holds {position} bytes of data, its header declares {flat.nbytes}")
        target[position:position + len(chunk)] = chunk
        position += len(chunk)
    while member.read(READ_CHUNK_BYTES):  # to the end (zipfile compares the CRC-32 there)
        pass
    return flat.reshape(shape[::-1]).T if fortran_order else flat.reshape(shape)


def decode_json(path, key, value: np.ndarray):
    if value.dtype != np.uint8 or value.ndim != 1:
        raise ModelFormatError(f"{path}: member '{key}' must be a uint8 byte string")
    try:
        return json.loads(value.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFormatError(f"{path}: member '{key}' is not valid JSON ({error})") from None
