"""The oracle: runs batches of cases through real MLflow and answers in a tagged JSON form.

Reads one JSON request on stdin: {"op": "<area>.<name>", "cases": [<tagged args>, ...]}.
Writes one JSON answer on stdout: {"results": [{"ok": <tagged value>} | {"error": {...}}, ...]}.
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


def main():
    request = json.loads(sys.stdin.read())
    ops = load_ops()
    fn = ops[request["op"]]
    results = []
    # keep MLflow's own prints and warnings off the answer channel
    real_stdout = sys.stdout
    sys.stdout = io.StringIO()
    warnings.simplefilter("ignore")
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
    sys.stdout = real_stdout
    json.dump({"results": results}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
