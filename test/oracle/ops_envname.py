"""Environment names as MLflow computes them (environment.md 10.6)."""
import pathlib

from mlflow.utils.conda import _get_conda_env_name
from mlflow.utils.virtualenv import _get_python_env, _get_virtualenv_name


def virtualenv_name(case):
    model_dir = pathlib.Path(case["model_dir"])
    python_env = _get_python_env(model_dir)
    return _get_virtualenv_name(python_env, str(model_dir), case.get("env_id"))


def conda_name(case):
    return _get_conda_env_name(case.get("conda_path"), case.get("env_id"), case.get("env_root_dir"))


OPS = {"virtualenv_name": virtualenv_name, "conda_name": conda_name}
