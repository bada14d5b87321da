"""Ops for model and artifact URIs (format.md 7): MLflow's own parsers and resolvers."""
import os

import mlflow
from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository
from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository
from mlflow.store.artifact.runs_artifact_repo import RunsArtifactRepository
from mlflow.store.artifact.utils.models import _parse_model_uri
from mlflow.tracking.artifact_utils import _get_root_uri_and_artifact_path
from mlflow.utils import uri as uri_utils


def parse_models(uri):
    parsed = _parse_model_uri(uri)
    return {k: v for k, v in parsed._asdict().items() if v is not None}


def tracking_uri(case):
    """case: {"env": {MLFLOW_TRACKING_URI?, MLFLOW_REGISTRY_URI?}, "cwd": dir}"""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    old_cwd = os.getcwd()
    try:
        for key in saved:
            os.environ.pop(key, None)
        os.environ.update(case.get("env", {}))
        os.chdir(case["cwd"])
        return [mlflow.get_tracking_uri(), mlflow.get_registry_uri()]
    finally:
        os.chdir(old_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def split(case):
    """case: [uri, cwd]; MLflow checks whether the URI exists as a local path first."""
    old_cwd = os.getcwd()
    try:
        os.chdir(case[1])
        return list(_get_root_uri_and_artifact_path(case[0]))
    finally:
        os.chdir(old_cwd)


OPS = {
    # one Python start for many kinds of case: [op name, case]
    "batch": lambda case: OPS[case[0]](case[1]),
    "parse_runs": lambda uri: list(RunsArtifactRepository.parse_runs_uri(uri)),
    "parse_models": parse_models,
    "split_models": lambda uri: list(ModelsArtifactRepository.split_models_uri(uri)),
    "split": split,
    "append": lambda case: uri_utils.append_to_uri_path(case[0], *case[1:]),
    "resolve_mlflow_artifacts": lambda case: MlflowArtifactsRepository.resolve_uri(case[0], case[1]),
    "is_local": lambda uri: uri_utils.is_local_uri(uri, is_tracking_or_registry_uri=False),
    "validate_path": lambda path: uri_utils.validate_path_is_safe(path),
    "tracking_uri": tracking_uri,
}
