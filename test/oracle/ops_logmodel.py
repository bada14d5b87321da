"""What Python MLflow's client sees of a model logged (and registered) from Node."""
import json
import os
import tempfile

import mlflow
from mlflow import MlflowClient


def _list(client, run_id, path=None):
    out = []
    for info in client.list_artifacts(run_id, path):
        out.append(info.path + ("/" if info.is_dir else ""))
        if info.is_dir:
            out.extend(_list(client, run_id, info.path))
    return out


def _version(v):
    return {"name": v.name, "version": str(v.version), "source": v.source, "run_id": v.run_id,
            "status": v.status, "current_stage": v.current_stage, "aliases": sorted(v.aliases or [])}


def inspect(case):
    """case: {tracking_uri, run_id, artifact_path, name?, alias?}"""
    mlflow.set_tracking_uri(case["tracking_uri"])
    client = MlflowClient(case["tracking_uri"])
    run = client.get_run(case["run_id"])
    out = {
        "status": run.info.status,
        "artifact_uri": run.info.artifact_uri,
        "params": dict(run.data.params),
        "history": json.loads(run.data.tags["mlflow.log-model.history"]),
        "artifacts": sorted(_list(client, case["run_id"])),
    }
    info = mlflow.models.get_model_info(f"runs:/{case['run_id']}/{case['artifact_path']}")
    out["model_info"] = {
        "signature": info.signature.to_dict() if info.signature else None,
        "utc_time_created": info.utc_time_created,
        "model_uuid": info.model_uuid,
        "flavors": info.flavors,
        "run_id": info.run_id,
        "artifact_path": info.artifact_path,
    }
    if case.get("name"):
        name = case["name"]
        out["version"] = _version(client.get_model_version(name, "1"))
        out["latest"] = sorted(str(v.version) for v in client.get_latest_versions(name))
        if case.get("alias"):
            out["alias_version"] = _version(client.get_model_version_by_alias(name, case["alias"]))
            dst = tempfile.mkdtemp()
            local = mlflow.artifacts.download_artifacts(f"models:/{name}@{case['alias']}", dst_path=dst)
            out["downloaded"] = sorted(os.listdir(local))
            with open(os.path.join(local, "registered_model_meta")) as f:
                out["registered_model_meta"] = f.read()
    return out


def log_sklearn(case):
    """Logs and registers an sklearn classifier; case: {tracking_uri, name, alias}. Returns ids and predictions."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    mlflow.set_tracking_uri(case["tracking_uri"])
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = (x.a - x.b > 0).astype(int)
    model = LogisticRegression().fit(x, y)
    with mlflow.start_run() as run:
        kwargs = {"name": "model"} if mlflow.__version__.startswith("3") else {"artifact_path": "model"}
        info = mlflow.sklearn.log_model(model, input_example=x.head(3), registered_model_name=case["name"],
                                        pip_requirements=["scikit-learn"], **kwargs)
    client = MlflowClient(case["tracking_uri"])
    client.set_registered_model_alias(case["name"], case["alias"], info.registered_model_version)
    probe = pd.DataFrame({"a": [0.5, -1.25, 2.0], "b": [0.25, 0.75, -3.0]})
    loaded = mlflow.pyfunc.load_model(f"models:/{case['name']}@{case['alias']}")
    return {"run_id": run.info.run_id, "version": str(info.registered_model_version), "model_uri": info.model_uri,
            "probe": probe.to_dict(orient="list"), "predictions": [int(v) for v in loaded.predict(probe)]}


def _metrics(metrics):
    return sorted([{"key": m.key, "value": m.value, "step": m.step, "run_id": m.run_id, "model_id": m.model_id}
                   for m in metrics or []], key=lambda m: m["key"])


def inspect_logged(case):
    """MLflow 3.x: what Python sees of a logged model Node logged.
    case: {tracking_uri, model_id, run_id?, name?, registered?, predict?}"""
    import pandas as pd

    mlflow.set_tracking_uri(case["tracking_uri"])
    client = MlflowClient(case["tracking_uri"])
    m = mlflow.get_logged_model(case["model_id"])
    out = {"logged_model": {
        "model_id": m.model_id, "name": m.name, "experiment_id": m.experiment_id, "source_run_id": m.source_run_id,
        "params": dict(m.params), "tags": dict(m.tags), "artifact_location": m.artifact_location,
        "status": str(m.status), "model_type": m.model_type, "metrics": _metrics(m.metrics),
        "creation_timestamp": m.creation_timestamp,
    }}
    info = mlflow.models.get_model_info(f"models:/{case['model_id']}")
    out["model_info"] = {"model_id": info.model_id, "model_uuid": info.model_uuid, "artifact_path": info.artifact_path,
                         "run_id": info.run_id, "model_uri": info.model_uri, "name": info.name}
    if case.get("predict") is not None:
        loaded = mlflow.pyfunc.load_model(f"models:/{case['model_id']}")
        result = loaded.predict(pd.DataFrame(case["predict"]))
        out["predicted"] = result.to_dict(orient="list") if isinstance(result, pd.DataFrame) else list(result)
    if case.get("run_id"):
        run = client.get_run(case["run_id"])
        out["run"] = {
            "params": dict(run.data.params), "tags": dict(run.data.tags), "status": run.info.status,
            "outputs": [{"model_id": o.model_id, "step": o.step} for o in (run.outputs.model_outputs if run.outputs else [])],
            "metrics": _metrics(client.get_metric_history(case["run_id"], k)[0] for k in run.data.metrics),
        }
        dst = tempfile.mkdtemp()
        local = mlflow.artifacts.download_artifacts(f"runs:/{case['run_id']}/{case['name']}", dst_path=dst)
        out["runs_uri_files"] = sorted(os.listdir(local))
        out["runs_uri_model_id"] = mlflow.models.get_model_info(f"runs:/{case['run_id']}/{case['name']}").model_id
    if case.get("registered"):
        v = client.get_model_version(case["registered"], "1")
        out["version"] = {"source": v.source, "run_id": v.run_id, "tags": dict(v.tags), "model_id": v.model_id,
                          "status": v.status}
        out["version_model_id"] = mlflow.models.get_model_info(f"models:/{case['registered']}/1").model_id
    return out


def _shape(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "list"
    return "object"


def log_python(case):
    """MLflow 3.x: ModelInfo of Python's own log_model with the same options, as {property: [shape, value?]}.
    case: {tracking_uri, name?, artifact_path?, params?, tags?, model_type?, step?, registered_model_name?,
    run_params?, run_metrics?: [[key, value, step]]}"""
    mlflow.set_tracking_uri(case["tracking_uri"])

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    kwargs = {k: case[k] for k in ("name", "artifact_path", "params", "tags", "model_type", "step",
                                   "registered_model_name") if case.get(k) is not None}
    with mlflow.start_run() as run:
        for k, v in (case.get("run_params") or {}).items():
            mlflow.log_param(k, v)
        for k, v, step in case.get("run_metrics") or []:
            mlflow.log_metric(k, v, step=step)
        info = mlflow.pyfunc.log_model(python_model=Echo(), **kwargs)
    props = [p for p in dir(type(info)) if isinstance(getattr(type(info), p), property)]
    out = {}
    for p in props:
        value = getattr(info, p)
        out[p] = {"shape": _shape(value)}
        if p in ("name", "params", "tags", "model_uri", "model_id", "model_uuid", "artifact_path", "run_id"):
            out[p]["value"] = value
        if p == "metrics":
            out[p]["value"] = _metrics(value)
        if p == "registered_model_version":
            out[p]["value"] = str(value) if value is not None else None
    out["__run_id"] = run.info.run_id
    return out


OPS = {"inspect": inspect, "log_sklearn": log_sklearn, "inspect_logged": inspect_logged, "log_python": log_python}
