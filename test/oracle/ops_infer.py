"""Ops for the data containers and signature inference (area "infer").

Values arrive as tagged JSON; a dict with a "$kind" key describes a pandas/numpy/scipy value
that `build` constructs:

  {"$kind": "frame", "columns": [[label, values], ...], "dtypes": {str(label): dtype}}
  {"$kind": "series", "values": [...], "name": label or None, "dtype": dtype or None}
  {"$kind": "ndarray", "values": nested lists, "dtype": dtype or None}
      (datetime64 dtypes take int ticks; "object" fills a 1-d object array item by item)
  {"$kind": "csr" | "csc", "dense": nested lists, "dtype": dtype}
  {"$kind": "datetime64", "unit": "ns", "ticks": [int or None, ...]}   (a datetime64 array)

Lists and dicts are walked, so descriptions may be nested in them.
"""
import logging
import warnings

import numpy as np
import pandas as pd


def build(value):
    if isinstance(value, list):
        return [build(v) for v in value]
    if isinstance(value, dict):
        kind = value.get("$kind")
        if kind is None:
            return {k: build(v) for k, v in value.items()}
        if kind == "frame":
            dtypes = value.get("dtypes") or {}
            data = {}
            for label, values in value["columns"]:
                dtype = dtypes.get(str(label))
                values = build(values)
                # plain lists go to the DataFrame constructor itself, as users write it
                data[label] = values if dtype is None and isinstance(values, list) else _series(values, dtype)
            return pd.DataFrame(data) if data else pd.DataFrame()
        if kind == "series":
            return _series(build(value["values"]), value.get("dtype"), value.get("name"))
        if kind == "ndarray":
            return _ndarray(value["values"], value.get("dtype"))
        if kind in ("csr", "csc"):
            from scipy.sparse import csc_matrix, csr_matrix

            dense = _ndarray(value["dense"], value.get("dtype"))
            return (csr_matrix if kind == "csr" else csc_matrix)(dense)
        if kind == "datetime64":
            return _datetimes(value["ticks"], value["unit"])
        raise ValueError(f"unknown $kind {kind}")
    return value


def _datetimes(ticks, unit):
    nat = np.iinfo(np.int64).min
    return np.array([nat if t is None else t for t in ticks], dtype=np.int64).view(f"datetime64[{unit}]")


def _series(values, dtype, name=None):
    if isinstance(values, np.ndarray):
        return pd.Series(values, name=name)
    if dtype is None:
        return pd.Series(values, name=name)
    if dtype == "object":
        array = np.empty(len(values), dtype=object)
        for index, item in enumerate(values):
            array[index] = item
        return pd.Series(array, name=name)
    if dtype.startswith("datetime64"):
        return pd.Series(values, dtype=dtype, name=name)
    return pd.Series(np.array(values, dtype=dtype), name=name)


def _ndarray(values, dtype):
    if dtype is None:
        return np.array(values)
    if dtype == "object":
        flat = np.empty(len(values), dtype=object)
        for index, item in enumerate(values):
            flat[index] = item
        return flat
    if dtype.startswith("datetime64"):
        return np.array(values, dtype=np.int64).view(dtype)
    return np.array(values, dtype=dtype)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def infer_signature(case):
    """{"input"?, "output"?, "params"?} -> {"signature": to_dict(), "hint": bool, "fallback": [keys]}."""
    from mlflow.models import infer_signature as infer

    capture = _Capture()
    logger = logging.getLogger("mlflow.models.signature")
    logger.addHandler(capture)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            signature = infer(build(case.get("input")), build(case.get("output")), build(case.get("params")))
    finally:
        logger.removeHandler(capture)
    return {
        "signature": signature.to_dict(),
        "hint": any("Integer columns" in str(w.message) for w in caught),
        "fallback": [m.split(" ")[5].rstrip(".") for m in capture.messages if m.startswith("Failed to infer schema")],
    }


def infer_schema(case):
    """The schema JSON of `_infer_schema(value)` (errors propagate)."""
    from mlflow.types.utils import _infer_schema

    return _infer_schema(build(case)).to_json()


def output_schema(case):
    """The output schema `_infer_signature_from_input_example` infers from a prediction
    (a 1-d array after a column-based input becomes a Series); failures give AnyType."""
    from mlflow.types.schema import AnyType, ColSpec, Schema
    from mlflow.types.utils import _infer_schema

    input_schema = _infer_schema(build(case["input"]))
    prediction = build(case["prediction"])
    if not input_schema.is_tensor_spec() and isinstance(prediction, np.ndarray) and prediction.ndim == 1:
        prediction = pd.Series(prediction)
    try:
        return _infer_schema(prediction).to_json()
    except Exception:
        return Schema([ColSpec(type=AnyType())]).to_json()


def infer_param_schema(case):
    """The params JSON of `_infer_param_schema(params)` (errors propagate)."""
    from mlflow.types.utils import _infer_param_schema

    return _infer_param_schema(build(case)).to_json()


def series_dtype(case):
    """The dtype name pandas gives a column built from these values."""
    return str(pd.DataFrame({"c": build(case)})["c"].dtype)


def array_dtype(case):
    """The dtype name and shape numpy gives `np.array(values)`, or an error."""
    array = np.array(build(case))
    return [str(array.dtype), list(array.shape)]


OPS = {
    "signature": infer_signature,
    "schema": infer_schema,
    "param_schema": infer_param_schema,
    "output_schema": output_schema,
    "series_dtype": series_dtype,
    "array_dtype": array_dtype,
}
