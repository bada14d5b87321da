"""Ops about model environments: packaging's PEP 440/508, and MLflow's own functions in
mlflow/utils/environment.py and requirements_utils.py (requirements, conda.yaml, python_env.yaml,
combining, mismatch warnings, get_model_dependencies).

Facts of the saving interpreter (Python version, pip/setuptools/wheel versions) are patched to the
case's values, pip's dry-run validation is replaced by a recorder (the oracle venv has no pip and
no index), and installed versions for mismatch checks come from the case.
"""
import io
import logging
import os
import tempfile
from contextlib import contextmanager

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import mlflow
import mlflow.utils.environment as env
import mlflow.utils.requirements_utils as ru


def requirement(case):
    r = Requirement(case["text"])
    return {"name": r.name, "str": str(r), "extras": sorted(r.extras), "specifier": str(r.specifier),
            "url": r.url, "marker": str(r.marker) if r.marker else None}


def version(case):
    v = Version(case["text"])
    out = {"str": str(v), "public": v.public, "base": v.base_version, "pre": v.is_prerelease,
           "post": v.is_postrelease, "dev": v.is_devrelease}
    if "other" in case:
        o = Version(case["other"])
        out["cmp"] = (v > o) - (v < o)
    return out


def contains(case):
    s = SpecifierSet(case["spec"])
    return {"str": str(s), "contains": s.contains(case["version"]),
            "eq": (s == SpecifierSet(case["other"])) if "other" in case else None}


@contextmanager
def _patched(case):
    saved = (env.PYTHON_VERSION, env._get_package_version, env._validate_version_constraints,
             env.warn_dependency_requirement_mismatches)
    calls = []
    versions = case.get("packages", {})
    env.PYTHON_VERSION = case.get("python_version", "3.10.12")
    env._get_package_version = lambda name: versions.get(name)
    env._validate_version_constraints = lambda reqs: calls.append(list(reqs))
    env.warn_dependency_requirement_mismatches = lambda reqs: None
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in case.get("files", {}).items():
            path = os.path.join(tmp, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        os.chdir(tmp)
        try:
            yield calls, tmp
        finally:
            os.chdir(cwd)
            (env.PYTHON_VERSION, env._get_package_version, env._validate_version_constraints,
             env.warn_dependency_requirement_mismatches) = saved


def _files(conda_env, reqs, constraints, case):
    out = {"conda_yaml": yaml.safe_dump(conda_env, default_flow_style=False),
           "requirements_txt": "\n".join(reqs), "requirements": reqs, "constraints": constraints}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "python_env.yaml")
        env._PythonEnv.current().to_yaml(path)
        with open(path) as f:
            out["python_env_yaml"] = f.read()
    return out


def process(case):
    """`_validate_env_arguments` then `_process_pip_requirements` or `_process_conda_env`."""
    with _patched(case) as (calls, tmp):
        env._validate_env_arguments(case.get("conda_env"), case.get("pip"), case.get("extra"))
        if case.get("conda_env") is not None:
            conda_env, reqs, cons = env._process_conda_env(case["conda_env"])
        else:
            conda_env, reqs, cons = env._process_pip_requirements(
                list(case.get("default", [])), case.get("pip"), case.get("extra"))
        out = _files(conda_env, reqs, cons, case)
        out["validations"] = calls
        return out


def mlflow_version(case):
    return {"version": mlflow.__version__, "pin": env._generate_mlflow_version_pinning()}


def is_mlflow(case):
    return [env._is_mlflow_requirement(r) for r in case["reqs"]]


def conda_env(case):
    with _patched(case):
        return yaml.safe_dump(env._mlflow_conda_env(
            additional_conda_deps=case.get("conda_deps"), additional_pip_deps=case.get("pip_deps"),
            additional_conda_channels=case.get("channels"), install_mlflow=case.get("install_mlflow", True)),
            default_flow_style=False)


def python_env(case):
    """Parse python_env.yaml text (`from_yaml`), or write the current one (`to_yaml`)."""
    with _patched(case) as (_, tmp):
        path = os.path.join(tmp, "python_env.yaml")
        if "text" in case:
            with open(path, "w") as f:
                f.write(case["text"])
            e = env._PythonEnv.from_yaml(path)
        elif "conda" in case:
            with open(os.path.join(tmp, "conda.yaml"), "w") as f:
                f.write(case["conda"])
            logs = _capture(ru._logger.name)
            log_env = _capture(env._logger.name)
            try:
                e = env._PythonEnv.from_conda_yaml(os.path.join(tmp, "conda.yaml"))
            finally:
                msgs = _release(log_env)
                _release(logs)
            return {"dict": e.to_dict(), "str": str(e), "warnings": msgs}
        else:
            e = env._PythonEnv.current()
        e.to_yaml(path)
        with open(path) as f:
            return {"dict": e.to_dict(), "yaml": f.read(), "str": str(e)}


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelname, record.getMessage()))


def _capture(name):
    logger = logging.getLogger(name)
    handler = _Collect()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    return logger, handler, old


def _release(captured):
    logger, handler, old = captured
    logger.removeHandler(handler)
    logger.setLevel(old)
    return [m for lvl, m in handler.messages if lvl == "WARNING"]


def mismatch(case):
    import re
    installed = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in case["installed"].items()}
    saved = ru._get_installed_version

    def fake(package, module=None):
        if package == "mlflow":
            return installed.get("mlflow") or mlflow.__version__
        value = installed.get(re.sub(r"[-_.]+", "-", package).lower())
        if value is None:
            raise ModuleNotFoundError(package)
        return value

    ru._get_installed_version = fake
    captured = _capture(ru._logger.name)
    try:
        ru.warn_dependency_requirement_mismatches(case["reqs"])
    finally:
        ru._get_installed_version = saved
        msgs = _release(captured)
    return msgs


def model_deps(case):
    import mlflow.pyfunc as pf
    captured = _capture(pf._logger.name)
    try:
        path = pf.get_model_dependencies(case["uri"], format=case.get("format", "pip"))
    finally:
        msgs = _release(captured)
    with open(path) as f:
        text = f.read()
    return {"path": path, "text": text, "warnings": msgs}


OPS = {
    "requirement": requirement,
    "version": version,
    "contains": contains,
    "process": process,
    "mlflow_version": mlflow_version,
    "is_mlflow": is_mlflow,
    "conda_env": conda_env,
    "python_env": python_env,
    "mismatch": mismatch,
    "model_deps": model_deps,
}
