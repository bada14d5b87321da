"""MLmodel files through MLflow's own Model class and PyYAML."""
import json
import os

import yaml
from mlflow.models import Model


def _load(case):
    """Model.load(path) -> to_dict/to_yaml/to_json, or the error."""
    model = Model.load(case["path"])
    out = {"to_dict": model.to_dict(), "to_yaml": model.to_yaml()}
    try:
        out["to_json"] = model.to_json()
    except TypeError as error:  # datetimes MLflow's to_json cannot write
        out["to_json_error"] = str(error)
    return out


def _file(case):
    """The file's text, safe_load data (or error) and safe_dump of that data."""
    with open(case["path"], encoding="utf-8", newline="") as f:
        text = f.read()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return {"text": text, "load_error": str(error)}
    return {"text": text, "data": data, "canonical": yaml.safe_dump(data, default_flow_style=False)}


def _save_examples(case):
    """Saves real models with MLflow into case["dir"]: returns {name: path}."""
    import numpy as np
    import pandas as pd
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    base = case["dir"]
    out = {}
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0], "name with spaces and a longer label": [4.0, 5.0, 6.5], "k": ["a", "b", "c"]})
    reg = LinearRegression().fit(X[["x"]], [1.0, 2.0, 3.0])
    path = os.path.join(base, "sklearn")
    mlflow.sklearn.save_model(reg, path, input_example=X[["x"]].head(2), pip_requirements=["scikit-learn"],
                              metadata={"team": "çödé 日本語 😀", "n": 1.0, "nested": {"l": [1, 2.5, None]}})
    out["sklearn"] = path

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    path = os.path.join(base, "pyfunc-params")
    sig = infer_signature({"q": "hi", "ids": [1, 2]}, ["out"], params={"temperature": 0.5, "stop": ["a"], "n": 3})
    mlflow.pyfunc.save_model(path, python_model=Echo(), signature=sig, pip_requirements=["pandas"],
                             input_example=({"q": "hi", "ids": [1, 2]}, {"temperature": 0.5}))
    out["pyfunc-params"] = path

    path = os.path.join(base, "tensor")
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    mlflow.pyfunc.save_model(path, python_model=Echo(), input_example=arr, pip_requirements=["numpy"])
    out["tensor"] = path
    return out


OPS = {"load": _load, "file": _file, "save_examples": _save_examples}
