"""Differential driver: runs each case through real MLflow's ``mlflow.pyfunc.spark_udf`` and through
``pyfunc_spark.spark_udf`` on the same DataFrame in one local SparkSession, and prints JSON.

Usage: python spark_cases.py <cases.json> <work dir>   (cases: see spark-cases.ts)
"""
import base64
import datetime
import decimal
import json
import math
import os
import sys
import time
import traceback

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import mlflow  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from mlflow.models.signature import ModelSignature  # noqa: E402
from mlflow.pyfunc import PythonModel  # noqa: E402
from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec  # noqa: E402


# ---- models (defined in __main__ so cloudpickle saves them by value) ----

class Multi(PythonModel):
    """Several behaviours in one model (one load per worker): column 0 names the behaviour,
    column 1 (when given) is the data."""

    def predict(self, context, model_input, params=None):
        mode = model_input.iloc[0, 0]
        data = model_input.iloc[:, 1] if model_input.shape[1] > 1 else None
        return getattr(self, mode)(model_input, data)

    def frame6(self, model_input, data):
        """MLflow's own spark_udf fixture: one row of six typed columns per input row."""
        n = len(model_input)
        return pd.DataFrame({
            "0": np.full(n, 1, dtype=np.int32), "1": np.full(n, 2, dtype=np.int64),
            "2": ["class1"] * n, "3": np.full(n, 0.1, dtype=np.float32),
            "4": np.full(n, 0.2, dtype=np.float64), "5": np.full(n, True),
        })

    def label_score(self, model_input, x):
        return pd.DataFrame({"label": [f"l{v}" for v in x], "score": [float(v) / 10 for v in x]})

    def dict_lists(self, model_input, x):
        x = list(x)
        return {
            "r1": [3_000_000_000 if v % 2 else v for v in x], "r2": [v + 0.5 for v in x],
            "r3": [[v, v + 1] for v in x], "r4": [[v / 2, float("nan")] for v in x],
            "r6": [v % 2 == 0 for v in x], "r7": [f"s{v}" for v in x],
        }


    def batch_length(self, model_input, data):
        return pd.Series([len(model_input)] * len(model_input), dtype=np.int64)

    def env(self, model_input, data):
        return pd.Series([os.environ.get("PYFUNC_SPARK_TEST_X", "unset")] * len(model_input))

    def int32_array(self, model_input, data):
        return np.arange(len(model_input), dtype=np.int32) + 1

    def py_ints(self, model_input, data):
        return list(range(len(model_input)))

    def scalar(self, model_input, data):
        return 7

    def dicts(self, model_input, x):
        return [{"v": float(v), "half": v / 2} for v in x]


def _describe_cell(value):
    if isinstance(value, dict):
        return "dict:" + ",".join(sorted(map(str, value)))
    if isinstance(value, np.ndarray):
        return f"ndarray:{value.dtype}:{value.tolist()}"
    if value is None:
        return "None"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return str(value)


class Columns(PythonModel):
    """What the model saw: column labels, dtypes and the first row."""

    def predict(self, context, model_input, params=None):
        row = [_describe_cell(v) for v in model_input.iloc[0].tolist()]
        text = f"{[repr(c) for c in model_input.columns]}|{[str(t) for t in model_input.dtypes]}|{row}"
        return pd.Series([text] * len(model_input))


class Shapes(PythonModel):
    """For tensor schemas: the shape and dtype of what the model got."""

    def predict(self, context, model_input, params=None):
        value = model_input["a"] if isinstance(model_input, dict) else model_input
        return pd.Series([f"{type(model_input).__name__}:{value.shape}:{value.dtype}"] * value.shape[0])


class Params(PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input.iloc[:, 0] + params["p"]


class Config(PythonModel):
    def load_context(self, context):
        self.alpha = (context.model_config or {}).get("alpha", 0)

    def predict(self, context, model_input, params=None):
        return model_input.iloc[:, 0] + self.alpha


class LoadCount(PythonModel):
    def load_context(self, context):
        with open(context.model_config["log"], "a") as f:
            f.write(f"{os.getpid()}\n")

    def predict(self, context, model_input, params=None):
        return model_input.iloc[:, 0]


def _long_schema(names, optional=()):
    return Schema([ColSpec("long", n, required=n not in optional) for n in names])


def save_models(root):
    from sklearn.linear_model import LogisticRegression

    paths = {}

    def save(kind, model, **kwargs):
        path = os.path.join(root, kind)
        if not os.path.exists(os.path.join(path, "MLmodel")):
            mlflow.pyfunc.save_model(path, python_model=model, pip_requirements=["mlflow"], **kwargs)
        paths[kind] = path

    x = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "b": [0.5, 0.1, 0.9, 0.3, 0.7, 0.2]})
    y = [0, 1, 0, 1, 1, 0]
    path = os.path.join(root, "sklearn")
    if not os.path.exists(os.path.join(path, "MLmodel")):
        clf = LogisticRegression().fit(x, y)
        mlflow.sklearn.save_model(clf, path, signature=infer_signature(x, clf.predict(x)), pip_requirements=["scikit-learn"])
    paths["sklearn"] = path
    save("multi", Multi())
    save("columns", Columns())
    save("columns_abc", Columns(), signature=ModelSignature(inputs=_long_schema(["a", "b", "c"])))
    save("columns_opt", Columns(), signature=ModelSignature(inputs=_long_schema(["a", "b"], optional=("b",))))
    save("columns_unnamed", Columns(), signature=ModelSignature(inputs=Schema([ColSpec("long"), ColSpec("long")])))
    save("tensor", Shapes(), signature=ModelSignature(inputs=Schema([TensorSpec(np.dtype("float64"), (-1, 2, 3), "a")])))
    save("params", Params(), signature=ModelSignature(
        inputs=_long_schema(["id"]), params=ParamSchema([ParamSpec("p", "long", 1)])))
    save("config", Config(), model_config={"alpha": 0})
    save("load_count", LoadCount(), model_config={"log": os.path.join(root, "unused.log")})
    return paths


# ---- running cases ----

def plain(value):
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if hasattr(value, "asDict"):
        return plain(value.asDict(recursive=True))
    return value


def make_frame(spark, data):
    from pyspark.sql.types import _parse_datatype_string

    schema = _parse_datatype_string(data["schema"])
    rows = [tuple(r) for r in data["rows"]]
    def floats(value):
        return [floats(v) for v in value] if isinstance(value, list) else None if value is None else float(value)

    for i, field in enumerate(schema.fields):  # JSON has no dates / timestamps / bytes, and 1.0 reads as 1
        name = field.dataType.simpleString()
        if name in ("float", "double") or name.startswith("array<double") or name.startswith("array<float"):
            rows = [r[:i] + (floats(r[i]),) + r[i + 1:] for r in rows]
        elif field.dataType.typeName() in ("timestamp", "timestamp_ntz"):
            rows = [r[:i] + (None if r[i] is None else datetime.datetime.fromisoformat(r[i]),) + r[i + 1:] for r in rows]
        elif field.dataType.typeName() == "date":
            rows = [r[:i] + (None if r[i] is None else datetime.date.fromisoformat(r[i]),) + r[i + 1:] for r in rows]
        elif field.dataType.typeName() == "binary":
            rows = [r[:i] + (None if r[i] is None else bytearray(r[i].encode()),) + r[i + 1:] for r in rows]
    partitions = data.get("partitions", 1)
    return spark.createDataFrame(spark.sparkContext.parallelize(rows, partitions), schema)


def column_args(args):
    from pyspark.sql.functions import col, struct

    out = []
    for arg in args:
        if isinstance(arg, dict):
            out.append(struct(*arg["struct"]))
        else:
            out.append(col(arg))
    return out


def error_text(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}"[:6000]


def run_impl(spark, impl, case, model_path):
    import pyfunc_spark

    make_udf = mlflow.pyfunc.spark_udf if impl == "mlflow" else pyfunc_spark.spark_udf
    out = {}
    stage = "create"
    try:
        kwargs = {}
        for key in ("result_type", "params", "model_config", "extra_env", "env_manager"):
            if case.get(key) is not None:
                kwargs[key] = case[key]
        if case.get("load_log"):
            kwargs["model_config"] = {"log": case["load_log"] + "." + impl}
        udf = make_udf(spark, model_path, **kwargs)
        out["metadata"] = udf.metadata is not None and udf.metadata.flavors is not None
        if case.get("create_only"):
            out["created"] = True
            return out
        stage = "apply"
        df = make_frame(spark, case["data"])
        args = case.get("args")
        column = udf() if args is None else udf(*column_args(args))
        result = df.withColumn("p", column)
        out["type"] = result.schema["p"].dataType.simpleString()
        stage = "collect"
        for _ in range(case.get("jobs", 1)):
            rows = result.select("p").collect()  # parallelize keeps the rows' order
        out["rows"] = [plain(r["p"]) for r in rows]
        if case.get("load_log"):
            with open(case["load_log"] + "." + impl) as f:
                out["loads"] = len(f.read().split())
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out["error"] = error_text(exc)
        out["stage"] = stage
    return out


def main():
    cases_file, work = sys.argv[1], sys.argv[2]
    with open(cases_file) as f:
        cases = json.load(f)
    os.makedirs(work, exist_ok=True)
    paths = save_models(os.path.join(work, "models"))
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]")
             .config("spark.ui.enabled", "false")
             .config("spark.task.maxFailures", "1")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.driver.memory", "1g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    results = {}
    for case in cases:
        saved = {}
        for key, value in case.get("conf", {}).items():
            saved[key] = spark.conf.get(key, None)
            spark.conf.set(key, value)
        try:
            model_path = case.get("model_path") or paths[case["model"]]
            results[case["id"]] = {}
            for impl in case.get("impls", ["mlflow", "ours"]):
                started = time.time()
                results[case["id"]][impl] = run_impl(spark, impl, case, model_path)
                results[case["id"]][impl]["seconds"] = round(time.time() - started, 2)
        except Exception:  # noqa: BLE001
            results[case["id"]] = {"driver_error": traceback.format_exc()}
        finally:
            for key, value in saved.items():
                if value is None:
                    spark.conf.unset(key)
                else:
                    spark.conf.set(key, value)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f)
    spark.stop()


if __name__ == "__main__":
    main()
