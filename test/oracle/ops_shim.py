"""TypeScript models (saved by @pyfunc/runtime's saveModel) loaded by real MLflow through their
python_function flavor (code/pyfunc_node_loader.py runs them in Node), predicted in Python.

A case: {"path", "input": <input spec>, "params"?, "model_config"?, "stream"?: bool}.
Input specs: {"frame": [[name, dtype, values], ...]} (a pandas DataFrame of those dtypes) or
{"value": v} (a plain Python value). The answer describes the result the same way the TypeScript
test describes Node's own result: frames as {"$frame": {"columns", "dtypes", "data"}}, arrays as
{"$ndarray": {"dtype", "shape", "data"}}, streams as the list of their chunks.
"""
import math
import os
import sys

import numpy as np
import pandas as pd

_models = {}


def _build(spec):
    if "frame" in spec:
        data = {}
        for name, dtype, values in spec["frame"]:
            if dtype.startswith("datetime64"):
                data[name] = pd.Series(pd.to_datetime(values, format="ISO8601"), dtype=dtype)
            else:
                data[name] = pd.Series(values, dtype=dtype)
        return pd.DataFrame(data)
    return spec["value"]


def _dtype_name(dtype):
    name = str(dtype)
    return "object" if name in ("str", "string") else name


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return float("nan")
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe(value):
    if isinstance(value, pd.DataFrame):
        return {"$frame": {
            "columns": [str(c) for c in value.columns],
            "dtypes": [_dtype_name(d) for d in value.dtypes],
            "data": [[describe(_plain(v)) for v in value.iloc[:, i].tolist()] for i in range(value.shape[1])],
        }}
    if isinstance(value, pd.Series):
        return describe(value.to_frame())
    if isinstance(value, np.ndarray):
        return {"$ndarray": {"dtype": str(value.dtype), "shape": list(value.shape),
                             "data": [describe(_plain(v)) for v in value.reshape(-1).tolist()]}}
    if isinstance(value, dict):
        return {k: describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    return _plain(value)


def _load(case):
    import mlflow.pyfunc

    key = (case["path"], repr(case.get("model_config")))
    if key not in _models:
        kwargs = {}
        if case.get("model_config") is not None:
            kwargs["model_config"] = case["model_config"]
        _models[key] = mlflow.pyfunc.load_model(case["path"], **kwargs)
    return _models[key]


def predict(case):
    model = _load(case)
    data = _build(case["input"])
    if case.get("stream"):
        return [describe(chunk) for chunk in model.predict_stream(data, params=case.get("params"))]
    return describe(model.predict(data, params=case.get("params")))


def flavor_of(case):
    """How MLflow reads the python_function flavor and the environment files of a saved model."""
    import mlflow.pyfunc
    from mlflow.models import Model

    model = Model.load(case["path"])
    loaded = _load(case)
    return {
        "python_function": model.flavors["python_function"],
        "loader_module": loaded.loader_module,
        "dependencies": open(mlflow.pyfunc.get_model_dependencies(case["path"])).read(),
        "model_config": loaded.model_config,
    }


def load_without_node(case):
    """Loads a model with only the interpreter's own directory on PATH (no `node` there):
    answers "loaded" or the MlflowException's code and message."""
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    saved = {key: os.environ.get(key) for key in ("PATH", "PYFUNC_NODE")}
    os.environ["PATH"] = os.path.dirname(sys.executable)
    os.environ.pop("PYFUNC_NODE", None)
    try:
        mlflow.pyfunc.load_model(case["path"])
        return "loaded"
    except MlflowException as error:
        return {"code": error.error_code, "message": error.message}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


OPS = {"predict": predict, "flavor_of": flavor_of, "load_without_node": load_without_node}
