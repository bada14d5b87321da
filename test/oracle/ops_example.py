"""Input examples through MLflow's own machinery (mlflow.models.utils._Example / _save_example,
Model.load_input_example), described in a tagged form the TypeScript tests compare against.

Example specs (shared with the TypeScript side, which builds the same data with its containers):
  {"kind": "frame", "columns": [[label, dtype, values], ...]}   dtype as numpy/pandas names
  {"kind": "tensor", "dtype": d, "values": nested}               datetimes given as ISO strings
  {"kind": "tensors", "items": [[name, <tensor spec>], ...]}
  {"kind": "csr" | "csc", "dtype": d, "dense": nested}
  {"kind": "value", "value": v}                                   a plain Python value
A case may add "params" (the (data, params) tuple form) and "signature" (inputs schema JSON).
"""
import math
import os

import numpy as np
import pandas as pd


def _numpy_dtype(name):
    return {"str": str, "bytes": bytes, "object": object}.get(name, name)


def _tensor(spec):
    dtype = spec["dtype"]
    if dtype.startswith("datetime64"):
        return np.array(spec["values"], dtype=dtype)
    return np.array(spec["values"], dtype=_numpy_dtype(dtype))


def build(spec):
    kind = spec["kind"]
    if kind == "frame":
        data = {}
        for label, dtype, values in spec["columns"]:
            if dtype.startswith("datetime64"):
                data[label] = pd.Series(pd.to_datetime(values, format="ISO8601"), dtype=dtype)
            elif dtype == "str":  # pandas' own inference: object in pandas 2, `str` in pandas 3
                data[label] = pd.Series(values)
            else:
                data[label] = pd.Series(values, dtype=object if dtype == "bytes" else dtype)
        return pd.DataFrame(data) if data else pd.DataFrame()
    if kind == "tensor":
        return _tensor(spec)
    if kind == "tensors":
        return {name: _tensor(item) for name, item in spec["items"]}
    if kind in ("csr", "csc"):
        from scipy.sparse import csc_matrix, csr_matrix

        dense = np.array(spec["dense"], dtype=spec["dtype"])
        return csr_matrix(dense) if kind == "csr" else csc_matrix(dense)
    if kind == "value":
        return _with_tensors(spec["value"])
    raise ValueError(f"unknown example kind {kind}")


def _with_tensors(value):
    """Values may hold {"__tensor__": <tensor spec>} (for the refused-example cases)."""
    if isinstance(value, dict):
        if set(value) == {"__tensor__"}:
            return _tensor(value["__tensor__"])
        return {k: _with_tensors(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_tensors(v) for v in value]
    return value


def _example(case):
    data = build(case["example"])
    return (data, case["params"]) if "params" in case else data


def _norm_dtype(dtype):
    if isinstance(dtype, np.dtype):
        if dtype.kind == "U":
            return "str"
        if dtype.kind == "S":
            return "bytes"
        if dtype.kind == "O":
            return "object"
        return dtype.name
    name = str(dtype)
    return "object" if name in ("str", "string") else name  # pandas 3 string columns


def _frame_value(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return "ts:" + value.isoformat()
    if isinstance(value, np.generic):
        return _frame_value(value.item())
    try:
        if value is pd.NA:
            return None
    except AttributeError:
        pass
    return value


def describe(obj):
    from scipy.sparse import csc_matrix, csr_matrix

    if isinstance(obj, pd.DataFrame):
        return {
            "kind": "frame",
            "columns": [c.item() if isinstance(c, np.generic) else c for c in obj.columns],
            "dtypes": [_norm_dtype(d) for d in obj.dtypes],
            "data": [[_frame_value(v) for v in row] for row in obj.itertuples(index=False, name=None)],
        }
    if isinstance(obj, np.ndarray):
        data = obj.astype("int64").tolist() if obj.dtype.kind == "M" else obj.tolist()
        return {"kind": "tensor", "dtype": _norm_dtype(obj.dtype), "shape": list(obj.shape), "data": data}
    if isinstance(obj, (csr_matrix, csc_matrix)):
        return {
            "kind": "csc" if isinstance(obj, csc_matrix) else "csr",
            "dtype": _norm_dtype(obj.dtype),
            "shape": list(obj.shape),
            "data": obj.data.tolist(),
            "indices": obj.indices.tolist(),
            "indptr": obj.indptr.tolist(),
        }
    if isinstance(obj, dict) and obj and all(isinstance(v, np.ndarray) for v in obj.values()):
        return {"kind": "tensors", "items": {k: describe(v) for k, v in obj.items()}}
    if isinstance(obj, np.generic):
        return {"kind": "json", "value": obj.item()}
    return {"kind": "json", "value": obj}


def _read_back(path, info, signature):
    from mlflow.models import Model, ModelSignature
    from mlflow.types import Schema

    model = Model()
    model.saved_input_example_info = info
    if signature is not None:
        model.signature = ModelSignature(inputs=Schema.from_json(signature))
    model.save(os.path.join(path, "MLmodel"))
    loaded = Model.load(path)
    out = {"loaded": describe(loaded.load_input_example(path))}
    out["params"] = loaded.load_input_example_params(path)
    return out


def _read_text(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def _save_load(case):
    """Saves the example with MLflow into case["dir"], then loads it back with MLflow."""
    from mlflow.models import Model
    from mlflow.models.utils import _save_example

    path = case["dir"]
    os.makedirs(path, exist_ok=True)
    model = Model()
    _save_example(model, _example(case), path)
    info = dict(model.saved_input_example_info)
    out = {
        "info": info,
        "input": _read_text(os.path.join(path, "input_example.json")),
        "serving": _read_text(os.path.join(path, "serving_input_example.json")),
    }
    out.update(_read_back(path, info, case.get("signature")))
    return out


def _load(case):
    """Loads the example in case["dir"] described by case["info"] with MLflow."""
    return _read_back(case["dir"], case["info"], case.get("signature"))


def _encode(case):
    """MLflow's _Example for the case, nothing written: info and both texts."""
    from mlflow.models.utils import _Example

    example = _Example(_example(case))
    return {"info": dict(example.info), "input": example.json_input_example, "serving": example.json_serving_input}


def _describe_built(case):
    """The example data itself, described (the originals, to compare loaded values with)."""
    return describe(build(case["example"]))


OPS = {"save_load": _save_load, "load": _load, "encode": _encode, "describe": _describe_built}
