"""ONNX import (optional extra: pip install 'cnnengine[onnx]'): import_onnx(path) -> Graph."""
from cnnengine.onnx_import.converter import OnnxImportError, import_onnx

__all__ = ["OnnxImportError", "import_onnx"]
