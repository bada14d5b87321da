"""Tagged JSON: carries Python values to and from the TypeScript tests without loss.

int beyond 2^53 -> {"$int": "digits"}; float -> {"$float": repr}; bytes -> {"$bytes": base64};
datetime -> {"$datetime": isoformat}; date -> {"$date": isoformat}; dict -> {"$dict": [[k, v], ...]};
list/tuple -> JSON array; str/bool/None/small int as JSON.
"""
import base64
import datetime
import math

SAFE = 2 ** 53


def encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -SAFE < value < SAFE else {"$int": str(value)}
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
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    try:
        import numpy as np
        if isinstance(value, np.generic):
            return encode(value.item())
        if isinstance(value, np.ndarray):
            return encode(value.tolist())
    except ImportError:
        pass
    raise TypeError(f"oracle codec cannot encode {type(value).__name__}")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "$int" in value:
            return int(value["$int"])
        if "$float" in value:
            return float(value["$float"])
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        if "$datetime" in value:
            return datetime.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return datetime.date.fromisoformat(value["$date"])
        if "$dict" in value:
            return {decode(k): decode(v) for k, v in value["$dict"]}
        return {k: decode(v) for k, v in value.items()}
    return value
