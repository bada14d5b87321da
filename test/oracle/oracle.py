"""The oracle: runs batches of cases through real MLflow and answers in a tagged JSON form.

One-shot mode (no arguments): reads one JSON request on stdin,
{"op": "<area>.<name>", "cases": [<tagged args>, ...]}, and writes one JSON answer on stdout,
{"results": [{"ok": <tagged value>} | {"error": {...}}, ...]}.

Serve mode (`--serve`): reads one request per line and writes one answer per line, so one Python
start (and one `import mlflow`) serves many batches; it ends at end of input. Between batches
the process-wide state a batch may change (environment variables, working directory, MLflow's
tracking and registry URIs, the active experiment, an active run) is put back as it was. A batch that cannot run at
all answers {"fatal": "<traceback>"}.

Each op lives in an ops_<area>.py module beside this file as a function in its OPS dict;
a case's exception becomes {"error": {"type", "message", "code"}} and the batch goes on.
"""
import glob
import importlib
import io
import json
import os
import sys
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from codec import decode, encode  # noqa: E402


def load_ops():
    ops = {}
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops_*.py"))):
        module = importlib.import_module(os.path.basename(path)[:-3])
        area = os.path.basename(path)[4:-3]
        for name, fn in module.OPS.items():
            ops[f"{area}.{name}"] = fn
    return ops


def run_batch(ops, request):
    fn = ops[request["op"]]
    results = []
    # keep MLflow's own prints and warnings off the answer channel
    real_stdout = sys.stdout
    sys.stdout = io.StringIO()
    warnings.simplefilter("ignore")
    try:
        for case in request["cases"]:
            try:
                results.append({"ok": encode(fn(decode(case)))})
            except Exception as error:  # noqa: BLE001 - every error is an answer
                results.append({"error": {
                    "type": type(error).__name__,
                    "message": str(getattr(error, "message", None) or error),
                    "code": getattr(error, "error_code", None),
                    "trace": traceback.format_exc(limit=3) if os.environ.get("ORACLE_TRACE") else None,
                }})
    finally:
        sys.stdout = real_stdout
    return results


class _GlobalState:
    """What one batch may leave behind for the next one in serve mode, and its restoration."""

    def __init__(self):
        self.environ = dict(os.environ)
        self.cwd = os.getcwd()
        self.uris = self._uris()

    @staticmethod
    def _modules():
        modules = []
        for name, attr in (("mlflow.tracking._tracking_service.utils", "_tracking_uri"),
                           ("mlflow.tracking._model_registry.utils", "_registry_uri"),
                           ("mlflow.tracking.fluent", "_active_experiment_id")):
            module = sys.modules.get(name)
            if module is not None and hasattr(module, attr):
                modules.append((module, attr))
        return modules

    def _uris(self):
        return {(module.__name__, attr): getattr(module, attr) for module, attr in self._modules()}

    def restore(self):
        mlflow = sys.modules.get("mlflow")
        if mlflow is not None:
            try:
                while mlflow.active_run() is not None:
                    mlflow.end_run()
            except Exception:  # noqa: BLE001 - best effort
                pass
        for module, attr in self._modules():
            setattr(module, attr, self.uris.get((module.__name__, attr)))
        os.environ.clear()
        os.environ.update(self.environ)
        try:
            os.chdir(self.cwd)
        except OSError:
            pass


def serve():
    # answers go to a private copy of stdout; anything else writing to fd 1 (a child process,
    # C code) lands on stderr instead of in the middle of an answer
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", line_buffering=True)
    ops = load_ops()
    state = None
    for line in sys.stdin:
        if not line.strip():
            continue
        if state is None:
            state = _GlobalState()
        try:
            text = json.dumps({"results": run_batch(ops, json.loads(line))}, allow_nan=False)
        except Exception:  # noqa: BLE001 - the batch could not run or answer (unknown op, NaN)
            text = json.dumps({"fatal": traceback.format_exc()})
        state.restore()
        answers.write(text + "\n")
        answers.flush()


def main():
    if "--serve" in sys.argv[1:]:
        serve()
        return
    request = json.loads(sys.stdin.read())
    ops = load_ops()
    results = run_batch(ops, request)
    json.dump({"results": results}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
