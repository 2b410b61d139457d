"""Exporting models for serving: `ember.export.export_onnx` (what
`model.export(path, format="onnx")` calls)."""

from ember.export.onnx import export_onnx

__all__ = ["export_onnx"]
