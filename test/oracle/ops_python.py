"""Ops for @pyfunc/python (area "python"): save real MLflow models of many kinds into a directory,
and predict with MLflow's in-process load_model on inputs described the same way the Node tests
build them."""
import datetime
import os
import textwrap

import numpy as np
import pandas as pd

_LOADED = {}


def _training_frame(seed):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({f"f{i}": rng.normal(size=60) for i in range(4)})
    y = (x["f0"] + 0.5 * x["f1"] > 0).astype(np.int64) + (x["f2"] > 1).astype(np.int64)
    return x, y


def _save_code_model(path, code, **kwargs):
    import mlflow.pyfunc
    code_file = path + "_code.py"
    with open(code_file, "w") as f:
        f.write(textwrap.dedent(code))
    mlflow.pyfunc.save_model(path, python_model=code_file, pip_requirements=["pandas"], **kwargs)


def _save(case):
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature

    kind = case["kind"]
    path = case["path"]
    if kind in ("sk_classifier", "sk_proba"):
        from sklearn.linear_model import LogisticRegression
        x, y = _training_frame(1)
        model = LogisticRegression(max_iter=500).fit(x, y)
        extra = {"pyfunc_predict_fn": "predict_proba"} if kind == "sk_proba" else {}
        mlflow.sklearn.save_model(model, path, signature=infer_signature(x, model.predict(x)), pip_requirements=["scikit-learn"], **extra)
    elif kind == "sk_regressor":
        from sklearn.linear_model import Ridge
        x, _ = _training_frame(2)
        y = x["f0"] * 3.25 - x["f3"] + 0.125
        model = Ridge(alpha=0.3).fit(x, y)
        mlflow.sklearn.save_model(model, path, signature=infer_signature(x, model.predict(x)), pip_requirements=["scikit-learn"])
    elif kind == "sk_pipeline":
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LinearRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder
        x = pd.DataFrame({
            "city": ["Zürich", "東京", "Paris", "Zürich", "Paris", "東京"] * 5,
            "n": np.arange(30, dtype=np.int64),
            "v": np.linspace(0.1, 3.0, 30),
        })
        y = x["n"] * 0.5 + (x["city"] == "Paris") * 2.0
        pipe = Pipeline([
            ("prep", ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])], remainder="passthrough")),
            ("lr", LinearRegression()),
        ]).fit(x, y)
        mlflow.sklearn.save_model(pipe, path, signature=infer_signature(x, pipe.predict(x)), pip_requirements=["scikit-learn"])
    elif kind == "class_artifacts":
        artifact = path + "_weights.txt"
        with open(artifact, "w") as f:
            f.write("2.5")

        class Scaled(mlflow.pyfunc.PythonModel):
            def load_context(self, context):
                with open(context.artifacts["weights"]) as f:
                    self.w = float(f.read())

            def predict(self, context, model_input, params=None):
                k = params["k"] if params else 1
                return model_input["x"] * self.w * k + model_input["n"]

        x = pd.DataFrame({"x": [1.5, 2.0], "n": np.array([1, 2], dtype=np.int64)})
        mlflow.pyfunc.save_model(path, python_model=Scaled(), artifacts={"weights": artifact},
                                 signature=infer_signature(x, x["x"], params={"k": 1}), pip_requirements=["pandas"])
    elif kind == "function":
        def double(model_input):
            return model_input * 2

        mlflow.pyfunc.save_model(path, python_model=double, pip_requirements=["pandas"])
    elif kind == "identity":
        class Identity(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                return model_input

        mlflow.pyfunc.save_model(path, python_model=Identity(), pip_requirements=["pandas"])
    elif kind == "environ":
        class Environ(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                import os
                return {name: os.environ.get(name) for name in model_input["name"]}

        mlflow.pyfunc.save_model(path, python_model=Environ(), pip_requirements=["pandas"])
    elif kind == "typed_identity":
        class TypedIdentity(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                return model_input

        x = pd.DataFrame({"a": np.array([1], dtype=np.int64), "s": ["x"], "f": [0.5]})
        mlflow.pyfunc.save_model(path, python_model=TypedIdentity(), signature=infer_signature(x),
                                 pip_requirements=["pandas"])
    elif kind == "code":
        _save_code_model(path, """
            import mlflow
            import pandas as pd

            class FromCode(mlflow.pyfunc.PythonModel):
                def predict(self, context, model_input, params=None):
                    return pd.DataFrame({"len": model_input["s"].str.len(), "upper": model_input["s"].str.upper()})

            mlflow.models.set_model(FromCode())
            """)
    elif kind == "tensor":
        from mlflow.models import ModelSignature
        from mlflow.types import Schema, TensorSpec

        class Tensorish(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                return model_input.astype(np.float64).sum(axis=1) * 0.5

        sig = ModelSignature(inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 3))]),
                             outputs=Schema([TensorSpec(np.dtype(np.float64), (-1,))]))
        mlflow.pyfunc.save_model(path, python_model=Tensorish(), signature=sig, pip_requirements=["numpy"])
    elif kind == "chat":
        from mlflow.pyfunc import ChatModel
        from mlflow.types.llm import ChatChoice, ChatCompletionChunk, ChatCompletionResponse, ChatChunkChoice, ChatChoiceDelta, ChatMessage

        class Echo(ChatModel):
            def predict(self, context, messages, params):
                text = messages[-1].content
                return ChatCompletionResponse(id="r1", model="echo", created=1700000000,
                                              choices=[ChatChoice(index=0, message=ChatMessage(role="assistant", content=text[::-1]))])

            def predict_stream(self, context, messages, params):
                for i, word in enumerate(messages[-1].content.split(" ")):
                    yield ChatCompletionChunk(id="r1", model="echo", created=1700000000,
                                              choices=[ChatChunkChoice(index=0, delta=ChatChoiceDelta(role="assistant", content=word))])

        mlflow.pyfunc.save_model(path, python_model=Echo(), pip_requirements=["pandas"])
    elif kind == "returns":
        # returns a dict, a list, a Series or a DataFrame, chosen by the first column's name
        class Returns(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                col = model_input.iloc[:, 0]
                which = str(model_input.columns[0])
                if which == "dict":
                    return {"n": len(model_input), "big": 2 ** 60 + 1, "half": 0.5, "one": 1.0, "names": [str(c) for c in model_input.columns],
                            "nested": {"ok": True, "none": None, "bytes": b"\x00\xff"}}
                if which == "list":
                    return [str(v) for v in col.tolist()] + [1, 2.0, None]
                if which == "series":
                    return pd.Series(np.arange(len(model_input), dtype=np.int64) * (2 ** 40), name="scaled")
                return pd.DataFrame({
                    "i": np.arange(len(model_input), dtype=np.int64) + 2 ** 53 + 1,
                    "f": np.linspace(0, 1, len(model_input)) / 3,
                    "s": [f"ü{j}" for j in range(len(model_input))],
                    "t": pd.to_datetime(np.arange(len(model_input)) * 1_000_000_001, unit="ns"),
                    "b": np.arange(len(model_input)) % 2 == 0,
                    "nan": [np.nan if j % 2 else j * 0.25 for j in range(len(model_input))],
                })

        mlflow.pyfunc.save_model(path, python_model=Returns(), pip_requirements=["pandas"])
    elif kind == "printer":
        class Printer(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                import sys
                print("hello from stdout " * 50)
                print("\x00\x01\x02 binary-ish noise", file=sys.stderr)
                os.write(1, b"\xff\xfe raw fd 1 bytes\n")
                return model_input

        mlflow.pyfunc.save_model(path, python_model=Printer(), pip_requirements=["pandas"])
    elif kind == "faulty":
        class Faulty(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                import time
                action = model_input["action"].iloc[0]
                if action == "crash":
                    os._exit(7)
                if action == "sleep":
                    time.sleep(float(model_input["arg"].iloc[0]))
                if action == "raise":
                    raise ValueError("bad value from the model")
                return pd.DataFrame({"pid": [os.getpid()]})

        mlflow.pyfunc.save_model(path, python_model=Faulty(), pip_requirements=["pandas"])
    elif kind == "bad_load":
        class BadLoad(mlflow.pyfunc.PythonModel):
            def load_context(self, context):
                raise RuntimeError("load_context exploded on purpose")

            def predict(self, context, model_input, params=None):
                return model_input

        mlflow.pyfunc.save_model(path, python_model=BadLoad(), pip_requirements=["pandas"])
    else:
        raise ValueError(kind)
    return path


def build_input(spec):
    kind = spec["kind"]
    if kind == "frame":
        data = {}
        for col in spec["columns"]:
            dtype = col["dtype"]
            values = col["values"]
            if dtype.startswith("datetime64"):
                data[col["name"]] = pd.Series(pd.to_datetime(values, format="ISO8601")).astype(dtype).to_numpy()
            elif dtype in ("str", "bytes", "object"):
                arr = np.empty(len(values), dtype=object)
                arr[:] = values
                data[col["name"]] = arr
            elif dtype == "float64" or dtype == "float32":
                data[col["name"]] = np.array([np.nan if v is None else v for v in values], dtype=dtype)
            else:
                data[col["name"]] = np.array(values, dtype=dtype)
        return pd.DataFrame(data, columns=[c["name"] for c in spec["columns"]])
    if kind == "tensor":
        return np.array(spec["values"], dtype=spec["dtype"]).reshape(spec["shape"])
    return spec["value"]


def canon(value):
    """A plain, codec-friendly rendering of a prediction that keeps dtypes and exact values."""
    if isinstance(value, pd.DataFrame):
        return {"kind": "frame", "columns": [[c if isinstance(c, (str, int)) else str(c), *_canon_values(value[c])] for c in value.columns]}
    if isinstance(value, pd.Series):
        return {"kind": "series", "name": value.name, "values": _canon_values(value)}
    if isinstance(value, np.ndarray):
        return {"kind": "ndarray", "shape": list(value.shape), "values": _canon_values(pd.Series(value.reshape(-1)))}
    if isinstance(value, dict):
        return {str(k): canon(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canon(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _canon_values(series):
    dtype = series.dtype
    if dtype.kind == "M":
        return [str(dtype), [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in series]]
    if dtype.kind in "iufb":
        return [str(dtype), series.to_numpy().tolist()]
    return ["object", [canon(v) for v in series.tolist()]]


def _predict(case):
    import mlflow.pyfunc
    path = case["path"]
    if path not in _LOADED:
        _LOADED[path] = mlflow.pyfunc.load_model(path)
    model = _LOADED[path]
    data = build_input(case["input"])
    if case.get("stream"):
        return [canon(c) for c in model.predict_stream(data, params=case.get("params"))]
    return canon(model.predict(data, params=case.get("params")))


OPS = {"save": _save, "predict": _predict}
