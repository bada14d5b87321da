"""Ops about YAML in MLflow's dialect: PyYAML's safe_load and safe_dump, as MLflow calls them.

`safe_load` / `safe_dump` take and give values in the shared codec. The `*_json` batch ops take
and give tagged JSON *text* (same forms as codec.py), decoded and encoded here, so the YAML tests
can use their own TypeScript codec; in their answers dict keys are `str(key)`, as our reader
names non-string keys, and a set becomes a dict of None.
"""
import base64
import datetime
import json
import math

import yaml

from codec import decode

SAFE = 2 ** 53


def _encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -SAFE <= value <= SAFE else {"$int": str(value)}
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return {"$float": repr(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$dict": [[str(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {"$dict": [[str(k), None] for k in value]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__}")


def _dump(data, sort_keys, allow_unicode):
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=sort_keys, allow_unicode=allow_unicode)


def safe_load(text):
    return yaml.safe_load(text)


def safe_dump(case):
    return _dump(case["data"], case.get("sort_keys", True), case.get("allow_unicode", False))


def safe_dump_json(text):
    """{"docs": [tagged...], "sort_keys", "allow_unicode"} as JSON text -> list of YAML texts
    (or {"error": message} for a document PyYAML cannot dump)."""
    case = json.loads(text)
    out = []
    for tagged in case["docs"]:
        try:
            out.append(_dump(decode(tagged), case["sort_keys"], case["allow_unicode"]))
        except Exception as error:  # noqa: BLE001
            out.append({"error": f"{type(error).__name__}: {error}"})
    return out


def safe_load_json(items):
    """A list of YAML texts, or {"path": file} to read as Model.load does (open() in text mode),
    -> JSON text of [{"ok": tagged} | {"error": message}, ...]."""
    out = []
    for item in items:
        try:
            if isinstance(item, dict):
                with open(item["path"]) as f:
                    out.append({"ok": _encode(yaml.safe_load(f))})
            else:
                out.append({"ok": _encode(yaml.safe_load(item))})
        except RecursionError:
            out.append({"error": "RecursionError"})
        except Exception as error:  # noqa: BLE001
            out.append({"error": f"{type(error).__name__}: {error}"})
    return json.dumps(out, allow_nan=False)


OPS = {
    "safe_load": safe_load,
    "safe_dump": safe_dump,
    "safe_dump_json": safe_dump_json,
    "safe_load_json": safe_load_json,
}
