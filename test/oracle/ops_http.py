"""Models for the @pyfunc/http differential harness: saved by real MLflow (models from code, so
`mlflow models serve` can load them in its own process) into directories the tests choose.

Case: {"path": <dir>, "kind": "echo" | "params", "signature": <signature dict or None>}.
"""
import os

import mlflow
from mlflow.models import ModelSignature

ECHO = '''
import time
from mlflow.protos.databricks_pb2 import RESOURCE_EXHAUSTED
import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class Echo(PythonModel):
    def predict(self, context, model_input, params=None):
        if isinstance(model_input, pd.DataFrame) and "__action" in model_input.columns and len(model_input) > 0:
            action = model_input["__action"].iloc[0]
            if action == "value_error":
                raise ValueError("the model refused this input")
            if action == "mlflow_error":
                raise mlflow.exceptions.MlflowException("too many", error_code=RESOURCE_EXHAUSTED)
            if action == "sleep":
                time.sleep(float(model_input["__seconds"].iloc[0]))
        return model_input


mlflow.models.set_model(Echo())
'''

PARAMS = '''
import mlflow
from mlflow.pyfunc import PythonModel


class Params(PythonModel):
    def predict(self, context, model_input, params=None):
        return {"params": params, "n": len(model_input)}


mlflow.models.set_model(Params())
'''


def save_sklearn(path):
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression
    from mlflow.models import infer_signature

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.sqrt(np.arange(20.0))})
    model = LinearRegression().fit(X, 2 * X.a - 3 * X.b + 0.25)
    mlflow.sklearn.save_model(model, path, signature=infer_signature(X, model.predict(X)))
    return os.listdir(path)


def save_model(case):
    path = case["path"]
    if case["kind"] == "sklearn":
        return save_sklearn(path)
    os.makedirs(os.path.dirname(path.rstrip("/")), exist_ok=True)
    code_file = path.rstrip("/") + "_code.py"
    with open(code_file, "w") as f:
        f.write(ECHO if case["kind"] == "echo" else PARAMS)
    signature = case.get("signature")
    mlflow.pyfunc.save_model(
        path,
        python_model=code_file,
        signature=ModelSignature.from_dict(signature) if signature else None,
    )
    return os.listdir(path)


OPS = {"save_model": save_model}
