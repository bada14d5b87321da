"""The Node <-> Python wire codec, shared by @pyfunc/python's worker (Node calls a Python model)
and the loader of a TypeScript model's ``python_function`` flavor (Python MLflow calls a Node
model; a copy is written into each such model's ``code/``). Its TypeScript side is
``@pyfunc/runtime/wire``; the two change together.

Each message is
  u32 LE header length | header (UTF-8 JSON) | padding to 8 | buffers (each padded to 8)
where the header's "lens" lists the buffer byte lengths. Values are JSON trees in which tagged
nodes ({"$tag": ...}) stand for what JSON lacks ($int beyond 2^53, $float for integral or
non-finite floats, $bytes, $datetime, $date, $d dicts) and numeric columns / tensors reference raw
little-endian buffers ($frame, $series, $tensor), so dtypes, int64, NaN, None and datetimes
survive both ways.
"""
import datetime
import json
import math
import os
import struct
import sys

SAFE = 2 ** 53

# Object columns of decoded frames stay object dtype (the loader of TS models sets it: data
# reaching a Node model must not have None turned into NaN by pandas 3's string inference). The
# worker leaves it off: it hands models the frames pandas itself builds from the same columns.
KEEP_OBJECT_COLUMNS = False


def _pad(n):
    return (8 - n % 8) % 8


class Buffers(list):
    """The buffers of one message: memoryviews into one fresh, 8-aligned, writable array (body),
    at the given byte offsets, so consecutive column buffers can be viewed as one 2-D block."""
    body = None
    offsets = ()


def _spin_seconds():
    try:
        return max(0.0, float(os.environ.get("PYFUNC_WORKER_SPIN_US", "200"))) / 1e6
    except ValueError:
        return 200e-6


# Before blocking on an empty pipe, poll it this long (yielding the CPU between polls): the next
# request of a busy client usually comes within that time, and is then taken without the
# process sleeping and being woken, which costs ~60 us per request on a small VM. An idle
# worker spins once per answer, then sleeps. PYFUNC_WORKER_SPIN_US=0 turns it off.
SPIN_SECONDS = _spin_seconds()


def _spin_until_readable(fd, seconds):
    import select
    import time
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if select.select([fd], [], [], 0)[0]:
            return
        os.sched_yield()


class MessageReader:
    """Reads messages from a file descriptor: small reads for headers, buffers read straight into
    one preallocated array (no joins, no copies)."""

    def __init__(self, fd, shared_fd=None):
        self.fd = fd
        self.pending = bytearray()
        self._spare = None
        # the shared-memory file (a deleted file in /dev/shm Node opened and passed down): large
        # requests' buffers are written there and mapped here, never crossing the pipe
        self.shared_fd = shared_fd
        self._map = None

    def shared_free(self):
        """Whether nothing references the mapped request buffers any more (Node may overwrite them)."""
        # references: the attribute and getrefcount's argument; every array or memoryview over
        # the mapping holds one more
        return self._map is None or sys.getrefcount(self._map) <= 2

    def _shared(self, offset, total):
        import mmap
        need = offset + total
        if self._map is None or len(self._map) < need:
            size = os.fstat(self.shared_fd).st_size
            if size < need:
                raise ValueError(f"shared request of {need} bytes beyond the file's {size}")
            self._map = None  # the old mapping goes once the arrays viewing it do
            self._map = mmap.mmap(self.shared_fd, size)
        return _np().frombuffer(self._map, dtype="uint8", count=total, offset=offset)

    def _body(self, total):
        """An 8-aligned uint8 array of ``total`` bytes. The previous message's array is reused when
        nothing references it any more (its frame was dropped after predict): a fresh one would be
        faulted in and zeroed page by page, which costs as much as the transfer itself."""
        np = _np()
        spare = self._spare
        # references: the attribute and getrefcount's argument (views, frames and memoryviews
        # of a message still in use hold more)
        if spare is not None and spare.nbytes >= total and sys.getrefcount(spare) <= 3:
            return spare[:total]
        self._spare = None
        spare = np.empty(max(total, 1 << 16), dtype="uint8")
        self._spare = spare
        return spare[:total]

    def _small(self, n):
        while len(self.pending) < n:
            if not self.pending and SPIN_SECONDS > 0:
                _spin_until_readable(self.fd, SPIN_SECONDS)
            chunk = os.read(self.fd, max(1 << 16, n - len(self.pending)))
            if not chunk:
                return None
            self.pending += chunk
        out = bytes(self.pending[:n])
        del self.pending[:n]
        return out

    def _into(self, view):
        got = min(len(self.pending), len(view))
        if got:
            view[:got] = self.pending[:got]
            del self.pending[:got]
        while got < len(view):
            n = os.readv(self.fd, [view[got:]])
            if n == 0:
                return False
            got += n
        return True

    def read(self):
        raw = self._small(4)
        if raw is None:
            return None
        (hlen,) = struct.unpack("<I", raw)
        header = self._small(hlen + _pad(4 + hlen))
        if header is None:
            return None
        message = json.loads(header[:hlen].decode("utf-8"))
        if "b64" in message:  # the JSON debugging transport
            import base64
            return message, [memoryview(base64.b64decode(b)) for b in message.pop("b64")]
        lens = message.get("lens", [])
        buffers = Buffers()
        if not lens:
            return message, buffers
        offsets = []
        total = 0
        for length in lens:
            offsets.append(total)
            total += length + _pad(length)
        shared = message.get("shm")
        if shared is not None and self.shared_fd is not None:
            body = self._shared(int(shared["offset"]), total)
            view = memoryview(body)
        else:
            body = self._body(total)
            view = memoryview(body)
            if not self._into(view):
                return None
        buffers.extend(view[o:o + n] for o, n in zip(offsets, lens))
        buffers.body = body
        buffers.offsets = offsets
        return message, buffers


SHARED_MIN = 1 << 20


def write_message(fd, lock, message, buffers=(), json_transport=False, shared_fd=None):
    """Writes one message; with ``shared_fd``, buffers of SHARED_MIN bytes or more in all go into
    that file from offset 0 instead of the pipe (the header says so in "shm")."""
    if json_transport and buffers:  # the JSON debugging transport: buffers inline, base64
        import base64
        message["b64"] = [base64.b64encode(bytes(b)).decode("ascii") for b in buffers]
        buffers = ()
    message["lens"] = [len(b) if isinstance(b, (bytes, bytearray)) else b.nbytes for b in buffers]
    if shared_fd is not None and sum(message["lens"]) >= SHARED_MIN:
        parts = []
        for b, size in zip(buffers, message["lens"]):
            parts.append(b)
            parts.append(b"\0" * _pad(size))
        total = sum(size + _pad(size) for size in message["lens"])
        try:
            _pwrite_all(shared_fd, parts, 0)
            message["shm"] = {"offset": 0, "size": total}
            buffers = ()
        except OSError:  # no room in /dev/shm: the pipe it is
            pass
    header = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    parts = [struct.pack("<I", len(header)), header, b"\0" * _pad(4 + len(header))]
    for b in buffers:
        parts.append(b)
        size = len(b) if isinstance(b, (bytes, bytearray)) else b.nbytes
        parts.append(b"\0" * _pad(size))
    with lock:
        _write_all(fd, parts)


def _pwrite_all(fd, parts, offset):
    """Writes all of ``parts`` into a file at ``offset`` (pwritev may write less than asked)."""
    def write(views):
        nonlocal offset
        written = os.pwritev(fd, views, offset)
        offset += written
        return written
    _gather_all(parts, write)


def _write_all(fd, parts):
    _gather_all(parts, lambda views: os.writev(fd, views))


def _gather_all(parts, write):
    """Feeds ``parts`` to a gathering ``write(views) -> bytes written`` until all are written,
    512 buffers at a time (IOV_MAX is 1024 on Linux)."""
    views = [v for v in (memoryview(p).cast("B") for p in parts) if len(v)]
    while views:
        written = write(views[:512])
        while written:
            if written >= len(views[0]):
                written -= len(views.pop(0))
            else:
                views[0] = views[0][written:]
                written = 0


# ---------------------------------------------------------------- decoding (Node -> Python)

def _np():
    import numpy as np
    return np


def _column_array(col, buffers):
    np = _np()
    dtype = col["dtype"]
    valid = col.get("valid")
    mask = None
    if valid is not None:
        mask = np.frombuffer(buffers[valid], dtype=np.uint8) == 0
    if "values" in col:
        values = [decode(v, buffers) for v in col["values"]]
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        if mask is not None:
            arr[mask] = None
        return arr
    if dtype == "bool":
        arr = np.frombuffer(buffers[col["buf"]], dtype=np.uint8).astype(bool)
        if mask is not None and mask.any():
            arr = arr.astype(object)
            arr[mask] = None
        return arr
    if dtype.startswith("datetime64"):
        arr = np.frombuffer(buffers[col["buf"]], dtype="<i8").view(dtype)
        if mask is not None and mask.any():
            arr = arr.copy()
            arr[mask] = np.datetime64("NaT")
        return arr
    np_dtype = np.dtype(dtype).newbyteorder("<")
    arr = np.frombuffer(buffers[col["buf"]], dtype=np_dtype)
    if np_dtype.byteorder not in ("=", "|") and sys.byteorder != "little":
        arr = arr.astype(np_dtype.newbyteorder("="))
    if mask is not None and mask.any():
        if arr.dtype.kind == "f":
            arr = arr.copy()
            arr[mask] = np.nan
        else:  # pandas semantics: integers with missing values become float64
            arr = arr.astype(np.float64)
            arr[mask] = np.nan
    return arr


_BLOCK_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64")


def _frame_block(columns, buffers):
    """A (columns, rows) array viewing the message's buffers, when every column is a plain numeric
    buffer of one dtype without missing values, stored back to back (as Node sends them), and
    the names are distinct: the single block pandas itself would consolidate them into, built
    without a copy. None otherwise."""
    body = getattr(buffers, "body", None)
    if body is None or not columns:
        return None
    dtype = columns[0]["dtype"]
    if dtype not in _BLOCK_DTYPES:
        return None
    first = columns[0].get("buf")
    if not isinstance(first, int):
        return None
    length = len(buffers[first])
    names = set()
    for i, col in enumerate(columns):
        if col.get("dtype") != dtype or col.get("buf") != first + i or "valid" in col or "values" in col:
            return None
        if len(buffers[first + i]) != length or buffers.offsets[first + i] != buffers.offsets[first] + i * length:
            return None
        name = col["name"]
        if not isinstance(name, (str, int, float)) or name in names:
            return None
        names.add(name)
    np = _np()
    size = np.dtype(dtype).itemsize
    if length == 0 or length % size != 0 or sys.byteorder != "little":
        return None
    start = buffers.offsets[first]
    flat = body[start:start + length * len(columns)].view(dtype)
    return flat.reshape(len(columns), length // size)


def decode(node, buffers):
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if isinstance(node, list):
        return [decode(v, buffers) for v in node]
    tag, value = next(iter(node.items()))
    if tag == "$d":
        return {k: decode(v, buffers) for k, v in value.items()}
    if tag == "$float":
        return float(value)
    if tag == "$int":
        return int(value)
    if tag == "$bytes":
        return bytes(buffers[value])
    if tag == "$datetime":
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:  # nanoseconds: a pandas Timestamp keeps them
            import pandas as pd
            return pd.Timestamp(value)
    if tag == "$date":
        return datetime.date.fromisoformat(value)
    if tag == "$frame":
        import pandas as pd
        names = [c["name"] for c in value["columns"]]
        block = _frame_block(value["columns"], buffers)
        if block is not None:
            return pd.DataFrame(block.T, columns=names, copy=False)
        data = {}
        for col in value["columns"]:
            arr = _column_array(col, buffers)
            # an object column stays object when asked (pandas 3 would infer its str dtype, turning None into NaN)
            data[col["name"]] = pd.Series(arr, dtype=object, copy=False) if KEEP_OBJECT_COLUMNS and arr.dtype == object else arr
        if not names:
            return pd.DataFrame()
        # pandas' own construction from a dict (what a Python caller does): it consolidates the
        # columns into one block per dtype, which is what makes models' predict fast
        return pd.DataFrame(data, columns=names)
    if tag == "$series":
        import pandas as pd
        arr = _column_array(value, buffers)
        return pd.Series(arr, name=value.get("name"), dtype=object if KEEP_OBJECT_COLUMNS and arr.dtype == object else None)
    if tag == "$tensor":
        np = _np()
        if "values" in value:
            values = [decode(v, buffers) for v in value["values"]]
            kind = value["dtype"]
            if kind == "str":
                arr = np.array(values, dtype=str) if values else np.array([], dtype=str)
            elif kind == "bytes":
                arr = np.array(values, dtype=bytes) if values else np.array([], dtype=bytes)
            else:
                arr = np.empty(len(values), dtype=object)
                arr[:] = values
            return arr.reshape(value["shape"])
        dtype = value["dtype"]
        if dtype == "bool":
            arr = np.frombuffer(buffers[value["buf"]], dtype=np.uint8).astype(bool)
        elif dtype.startswith("datetime64"):
            arr = np.frombuffer(buffers[value["buf"]], dtype="<i8").view(dtype)
        else:
            arr = np.frombuffer(buffers[value["buf"]], dtype=np.dtype(dtype).newbyteorder("<"))
        return arr.reshape(value["shape"])
    raise ValueError(f"unknown tag {tag}")


# ---------------------------------------------------------------- encoding (Python -> Node)

def _float(value):
    if math.isnan(value):
        return {"$float": "nan"}
    if math.isinf(value):
        return {"$float": "inf" if value > 0 else "-inf"}
    if value == int(value):
        return {"$float": value}
    return value


_NUMERIC_KINDS = "iuf"


def _encode_array_storage(arr, out, buffers):
    """Fills out with dtype and either buf (raw little-endian bytes) or values."""
    np = _np()
    kind = arr.dtype.kind
    if kind in _NUMERIC_KINDS and arr.dtype.itemsize in (1, 2, 4, 8) and arr.dtype.name in (
            "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
            "float16", "float32", "float64"):
        out["dtype"] = arr.dtype.name
        data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        out["buf"] = len(buffers)
        buffers.append(data.reshape(-1).view(np.uint8).data if data.size else b"")
        return
    if kind == "b":
        out["dtype"] = "bool"
        out["buf"] = len(buffers)
        buffers.append(np.ascontiguousarray(arr, dtype=np.uint8).reshape(-1).data if arr.size else b"")
        return
    if kind == "M" and np.datetime_data(arr.dtype)[0] in ("ns", "us", "ms", "s"):
        unit = np.datetime_data(arr.dtype)[0]
        out["dtype"] = f"datetime64[{unit}]"
        out["buf"] = len(buffers)
        buffers.append(np.ascontiguousarray(arr).view("<i8").reshape(-1).data if arr.size else b"")
        return
    if kind == "U":
        out["dtype"] = "str"
        out["values"] = [str(v) for v in arr.reshape(-1).tolist()]
        return
    if kind == "S":
        out["dtype"] = "bytes"
        out["values"] = [encode(bytes(v), buffers) for v in arr.reshape(-1).tolist()]
        return
    out["dtype"] = "object"
    out["values"] = [encode(v, buffers) for v in arr.reshape(-1).tolist()]


def _encode_series_column(series, out, buffers):
    import pandas as pd
    np = _np()
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iufbM" and not (
            dtype.kind == "M" and getattr(dtype, "tz", None) is not None):
        _encode_array_storage(series.to_numpy(), out, buffers)
        return
    # extension dtypes (Int64, string, category, tz-aware) and object columns travel as values
    # missing values stay what pandas holds (NaN for str dtypes, pd.NA / NaT -> None)
    values = series.tolist() if not isinstance(dtype, np.dtype) else series.to_numpy()
    out["dtype"] = "object"
    out["values"] = [encode(v, buffers) for v in list(values)]


def _label(name):
    np = _np()
    if isinstance(name, np.generic):
        name = name.item()
    if isinstance(name, bool) or not isinstance(name, (str, int, float)):
        return str(name)
    return name


def encode(value, buffers):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -SAFE <= value <= SAFE else {"$int": str(value)}
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        buffers.append(bytes(value))
        return {"$bytes": len(buffers) - 1}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$d": {str(k): encode(v, buffers) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [encode(v, buffers) for v in value]
    module = type(value).__module__ or ""
    if module.startswith("numpy"):
        np = _np()
        if isinstance(value, np.ndarray):
            out = {"shape": list(value.shape)}
            _encode_array_storage(value, out, buffers)
            return {"$tensor": out}
        if isinstance(value, np.datetime64):
            import pandas as pd
            return None if np.isnat(value) else {"$datetime": pd.Timestamp(value).isoformat()}
        if isinstance(value, np.generic):
            return encode(value.item(), buffers)
    if module.startswith("pandas"):
        import pandas as pd
        if isinstance(value, pd.DataFrame):
            columns = []
            for i, name in enumerate(value.columns):
                col = {"name": _label(name)}
                _encode_series_column(value.iloc[:, i], col, buffers)
                columns.append(col)
            return {"$frame": {"columns": columns}}
        if isinstance(value, pd.Series):
            col = {"name": None if value.name is None else _label(value.name)}
            _encode_series_column(value, col, buffers)
            return {"$series": col}
        if value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            return {"$datetime": value.isoformat()}
    if value is getattr(sys.modules.get("pandas"), "NA", object()) or value is getattr(sys.modules.get("pandas"), "NaT", object()):
        return None
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return encode(value.to_dict(), buffers)
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return encode(value.model_dump(), buffers)
    import dataclasses
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode(dataclasses.asdict(value), buffers)
    raise TypeError(f"The prediction holds a value of type {type(value).__module__}.{type(value).__name__} that cannot be sent to Node")
