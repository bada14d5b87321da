"""Oracle ops for @pyfunc/tracking's file store: write an mlruns store with Python MLflow, and
read one (written by either side) back through MlflowClient."""
import os

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")


def _client(root):
    from mlflow import MlflowClient

    uri = "file://" + root
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _version(mv):
    return {
        "name": mv.name,
        "version": str(mv.version),
        "current_stage": mv.current_stage,
        "source": mv.source,
        "run_id": mv.run_id,
        "status": mv.status,
        "description": mv.description,
        "tags": dict(mv.tags),
        "aliases": sorted(mv.aliases),
        "creation_timestamp": mv.creation_timestamp,
        "last_updated_timestamp": mv.last_updated_timestamp,
    }


def read_store(case):
    """Everything MlflowClient sees of the named experiment, runs and registered models."""
    client = _client(case["root"])
    out = {"experiments": {}, "runs": {}, "models": {}}
    for name in case.get("experiments", []):
        exp = client.get_experiment_by_name(name)
        out["experiments"][name] = None if exp is None else {
            "experiment_id": exp.experiment_id,
            "name": exp.name,
            "artifact_location": exp.artifact_location,
            "lifecycle_stage": exp.lifecycle_stage,
            "creation_time": exp.creation_time,
            "last_update_time": exp.last_update_time,
            "tags": dict(exp.tags),
        }
    default = client.get_experiment("0")
    out["default_experiment"] = {"name": default.name, "experiment_id": default.experiment_id}
    for run_id in case.get("runs", []):
        run = client.get_run(run_id)
        out["runs"][run_id] = {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "experiment_id": run.info.experiment_id,
            "user_id": run.info.user_id,
            "status": run.info.status,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
            "artifact_uri": run.info.artifact_uri,
            "lifecycle_stage": run.info.lifecycle_stage,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
            "tags": dict(run.data.tags),
            "history": {k: [[m.timestamp, m.value, m.step] for m in client.get_metric_history(run_id, k)]
                        for k in run.data.metrics},
        }
    for name in case.get("models", []):
        rm = client.get_registered_model(name)
        versions = client.search_model_versions(f"name = '{name}'")
        latest = client.get_latest_versions(name)
        out["models"][name] = {
            "name": rm.name,
            "description": rm.description,
            "tags": dict(rm.tags),
            "aliases": dict(rm.aliases),
            "creation_timestamp": rm.creation_timestamp,
            "last_updated_timestamp": rm.last_updated_timestamp,
            "latest_versions": sorted(_version(v)["version"] for v in rm.latest_versions),
            "versions": sorted((_version(v) for v in versions), key=lambda v: int(v["version"])),
            "latest": {v.current_stage: str(v.version) for v in latest},
            "by_alias": {a: str(client.get_model_version_by_alias(name, a).version) for a in rm.aliases},
            "download_uri": {str(v.version): client.get_model_version_download_uri(name, v.version)
                             for v in versions},
        }
    return out


def write_store(case):
    """Writes a store the way a Python user would: fluent run, client registry calls."""
    import mlflow

    root = case["root"]
    mlflow.set_tracking_uri("file://" + root)
    client = _client(root)
    exp_id = client.create_experiment(case["experiment"], tags={"team": "ml", "a/b": "slash"})
    with mlflow.start_run(experiment_id=exp_id, run_name=case["run_name"]) as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_param("group/beta", "x")
        mlflow.log_metric("loss", 1.5, step=0, timestamp=1716200000000)
        mlflow.log_metric("loss", 0.25, step=2, timestamp=1716200000010)
        mlflow.log_metric("loss", 0.75, step=1, timestamp=1716200000020)
        mlflow.set_tag("nested/key", "ünïcode ✓")
    run_id = run.info.run_id
    # A legacy two-field metric line (step defaults to 0).
    metrics_dir = os.path.join(root, exp_id, run_id, "metrics")
    with open(os.path.join(metrics_dir, "legacy"), "w") as f:
        f.write("1716200000000 3.5\n")
    name = case["model"]
    client.create_registered_model(name, tags={"k": "v"}, description="desc")
    source = f"{run.info.artifact_uri}/model"
    for _ in range(3):
        client.create_model_version(name, source, run_id=run_id)
    client.delete_model_version(name, "2")
    client.set_registered_model_alias(name, "champion", "3")
    client.transition_model_version_stage(name, "1", "Production")
    return {"experiment_id": exp_id, "run_id": run_id, "source": source}


def write_minimal(case):
    """The smallest store for byte comparison: one experiment, one finished run, one version."""
    import mlflow

    root = case["root"]
    mlflow.set_tracking_uri("file://" + root)
    client = _client(root)
    exp_id = client.create_experiment(case["experiment"])
    run = client.create_run(exp_id, run_name="r1", start_time=1716200000123)
    client.set_terminated(run.info.run_id, "FINISHED", end_time=1716200000999)
    client.create_registered_model(case["model"])
    client.create_model_version(case["model"], f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    return {"experiment_id": exp_id, "run_id": run.info.run_id, "user": run.info.user_id}


def write_both(case):
    """write_store into case['root'] (read back with read_store) and write_minimal into
    case['minimal_root'], in one Python start."""
    written = write_store(case)
    seen = read_store({"root": case["root"], "experiments": [case["experiment"]],
                       "runs": [written["run_id"]], "models": [case["model"]]})
    minimal = write_minimal({"root": case["minimal_root"], "experiment": "exp-ü", "model": "iris"})
    return {**written, "seen": seen, "minimal": minimal}


OPS = {
    "write_both": write_both,
    "read_store": read_store,
    "write_store": write_store,
    "write_minimal": write_minimal,
}
