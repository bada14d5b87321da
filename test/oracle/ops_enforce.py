"""Ops for schema and params enforcement: MLflow's _enforce_schema / _enforce_params_schema.

Inputs arrive as descriptors (built by the TypeScript test from the same data it enforces):
  {"kind": "frame", "columns": [labels], "dtypes": [dtype|None], "data": [[column values]]}
  {"kind": "series", "name": label|None, "dtype": dtype|None, "data": [values]}
  {"kind": "tensor", "dtype": dtype, "data": nested}
  {"kind": "dict", "items": [[key, descriptor]]}
  {"kind": "list", "items": [descriptor]}
  {"kind": "value", "value": plain python value}
Results are described in a tagged form:
  {"kind": "frame", "columns", "dtypes", "data"} / {"kind": "tensor", "dtype", "shape", "data"} /
  {"kind": "tensors", "items": {name: tensor}}; plus "warnings": [logged messages].
"""
import logging
import math

import numpy as np
import pandas as pd

from mlflow.models.utils import _enforce_params_schema, _enforce_schema
from mlflow.types.schema import ParamSchema, Schema

DTYPE_NAMES = {"str": object, "bytes": object, "object": object}


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _capture():
    handler = _Capture()
    logger = logging.getLogger("mlflow.models.utils")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    return handler, logger


def build(desc):
    kind = desc["kind"]
    if kind == "value":
        return desc["value"]
    if kind == "tensor":
        dtype = desc["dtype"]
        return np.array(desc["data"], dtype=dtype)
    if kind == "series":
        return pd.Series(_column(desc["data"], desc.get("dtype")), name=desc.get("name"))
    if kind == "frame":
        cols = {}
        for label, dtype, values in zip(desc["columns"], desc["dtypes"], desc["data"]):
            cols[label] = _column(values, dtype)
        return pd.DataFrame(cols, columns=desc["columns"]) if desc["columns"] else pd.DataFrame()
    if kind == "dict":
        return {key: build(value) for key, value in desc["items"]}
    if kind == "list":
        return [build(value) for value in desc["items"]]
    raise ValueError(f"unknown descriptor {kind}")


def _column(values, dtype):
    if dtype is None:
        return pd.Series(values)
    if dtype in DTYPE_NAMES:
        return pd.Series(values, dtype=object)
    if dtype.startswith("datetime64"):
        return pd.Series(pd.to_datetime(values)).astype(dtype)
    return pd.Series(values, dtype=dtype)


def _plain(value):
    # pd.NaT is a datetime but not a Timestamp: without this it would be sent as isoformat "NaT"
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime(warn=False)
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime(warn=False)
    if isinstance(value, np.ndarray):
        return {"$ndarray": str(_dtype_name(value.dtype)), "data": _plain(value.tolist())}
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _dtype_name(dtype):
    if dtype.char == "U":
        return "str"
    if dtype.char == "S":
        return "bytes"
    return dtype.name


def describe(value):
    if isinstance(value, pd.DataFrame):
        return {
            "kind": "frame",
            "columns": [c if isinstance(c, str) else int(c) for c in value.columns],
            "dtypes": [_dtype_name(t) if isinstance(t, np.dtype) else str(t) for t in value.dtypes],
            "data": [[_plain(v) for v in value[c].tolist()] if value[c].dtype.kind != "M"
                     else [_plain(v) for v in value[c]] for c in value.columns],
        }
    if isinstance(value, np.ndarray):
        return {"kind": "tensor", "dtype": _dtype_name(value.dtype), "shape": list(value.shape),
                "data": _plain(value.tolist()) if value.dtype.kind != "M" else [str(v) for v in value.ravel()]}
    if isinstance(value, dict):
        return {"kind": "tensors", "items": {k: describe(v) for k, v in value.items()}}
    return {"kind": "other", "type": type(value).__name__}


def schema(case):
    handler, logger = _capture()
    try:
        result = _enforce_schema(build(case["input"]), Schema.from_json(case["schema"]))
        return {"result": describe(result), "warnings": handler.messages}
    finally:
        logger.removeHandler(handler)


def params(case):
    handler, logger = _capture()
    try:
        spec = case["schema"]
        schema_obj = ParamSchema.from_json(spec) if spec is not None else None
        value = case["params"]
        if isinstance(value, dict) and "$pairs" in value:
            value = {k: v for k, v in value["$pairs"]}
        result = _enforce_params_schema(value, schema_obj)
        return {"result": _plain(result), "warnings": handler.messages}
    finally:
        logger.removeHandler(handler)


OPS = {"schema": schema, "params": params}
