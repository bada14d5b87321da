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


OPS = {"inspect": inspect, "log_sklearn": log_sklearn}
