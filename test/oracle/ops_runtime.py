"""Ops for @pyfunc/runtime (area "runtime"): MLflow reading our models, function-model
signatures, and the timing half of bench/runtime/predict-bench.mjs."""
import os
import tempfile
import time

import numpy as np
import pandas as pd


def _mlmodel_load(case):
    """mlflow.models.Model.load on a directory saved by @pyfunc/runtime."""
    from mlflow.models import Model

    model = Model.load(case["path"])
    signature = model.signature.to_dict() if model.signature is not None else None
    return {
        "flavors": model.flavors,
        "signature": signature,
        "saved_input_example_info": model.saved_input_example_info,
        "metadata": model.metadata,
        "model_size_bytes": getattr(model, "model_size_bytes", None),
        "input_example_loads": model.load_input_example(case["path"]) is not None
        if model.saved_input_example_info else None,
    }


def _function_signature(case):
    """Saves `lambda x: x` with the case's input example; returns the saved signature dict."""
    import mlflow.pyfunc
    from mlflow.models import Model

    def identity(x):
        return x

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model")
        mlflow.pyfunc.save_model(path, python_model=identity, input_example=case["example"], pip_requirements=["pandas"])
        model = Model.load(path)
        return model.signature.to_dict() if model.signature is not None else None


def _bench_predict(case):
    """Per-call time (seconds) of PyFuncModel.predict on a trivial PythonModel, for 1 row and n rows."""
    import mlflow.pyfunc

    class Identity(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    rows = case["rows"]
    with_signature = case.get("signature", True)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model")
        example = pd.DataFrame({"x": [1.5], "y": [2.5]})
        if with_signature:
            mlflow.pyfunc.save_model(path, python_model=Identity(), input_example=example, pip_requirements=["pandas"])
        else:
            mlflow.pyfunc.save_model(path, python_model=Identity(), pip_requirements=["pandas"])
        model = mlflow.pyfunc.load_model(path)
        for label, n, repeats in (("one_row", 1, case["repeats_small"]), ("many_rows", rows, case["repeats_large"])):
            frame = pd.DataFrame({"x": np.arange(n, dtype=np.float64) + 0.5, "y": np.arange(n, dtype=np.float64) * 2 + 0.5})
            for _ in range(3):
                model.predict(frame)
            start = time.perf_counter()
            for _ in range(repeats):
                model.predict(frame)
            out[label] = (time.perf_counter() - start) / repeats
    return out


OPS = {"mlmodel_load": _mlmodel_load, "function_signature": _function_signature, "bench_predict": _bench_predict}
