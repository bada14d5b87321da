"""Loader of a TypeScript model's ``python_function`` flavor (written by @pyfunc/runtime's
saveModel; runtime.md 11.5). MLflow imports it as the flavor's ``loader_module`` and calls
``_load_pyfunc(path, model_config=None)``; it needs only ``node`` on PATH (or the executable named
by ``PYFUNC_NODE``), no extra pip package.

``_load_pyfunc`` starts one long-lived ``node js/runner.mjs`` process (the model's code and the
runtime, bundled at save time) and returns an object whose ``predict`` / ``predict_stream`` forward
to it. MLflow has already enforced the signature and params when a call reaches this object.

Transport: two pipes (requests Python -> Node, answers Node -> Python) passed to Node as extra file
descriptors; Node's stdout goes to this process's stderr, so a model's console output never mixes
with the answers or with what MLflow prints. Each message is
  u32 LE header length | header (UTF-8 JSON) | padding to 8 | buffers (each padded to 8)
where the header's "lens" lists the buffer byte lengths. Values are JSON trees in which tagged
nodes ({"$tag": ...}) stand for what JSON lacks ($int beyond 2^53, $float for integral or
non-finite floats, $bytes, $datetime, $date, $d dicts) and numeric columns / tensors reference raw
little-endian buffers ($frame, $series, $tensor), so dtypes, int64, NaN, None and datetimes
survive both ways. The codec is pyfunc_wire.py, shared with @pyfunc/python's worker.

The Node process ends when the returned object is garbage collected or Python exits (the request
pipe closes and Node exits on EOF; a process that does not end in time is killed).
"""
import itertools
import os
import queue
import shutil
import subprocess
import threading
import weakref

import pyfunc_wire  # written beside this module, in the model's code/
from pyfunc_wire import MessageReader, decode, encode, write_message

pyfunc_wire.KEEP_OBJECT_COLUMNS = True
RUNNER = os.path.join("js", "runner.mjs")


# ---------------------------------------------------------------- the Node process

def _mlflow_error(code, message):
    from mlflow.exceptions import MlflowException
    from mlflow.protos import databricks_pb2

    try:
        number = databricks_pb2.ErrorCode.Value(code)
    except (ValueError, TypeError):
        number = databricks_pb2.INTERNAL_ERROR
    return MlflowException(message, error_code=number)


class _Channel:
    """The pipes to one Node process, a reader thread that routes answers to waiting calls by id.
    Holds no reference to the model object, so that object can be collected (which closes this)."""

    def __init__(self, node, model_dir):
        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [node, os.path.join(model_dir, RUNNER), model_dir, str(req_r), str(res_w)],
                pass_fds=(req_r, res_w), stdin=subprocess.DEVNULL, stdout=2, cwd=model_dir,
            )
        except BaseException:
            for fd in (req_r, req_w, res_r, res_w):
                os.close(fd)
            raise
        os.close(req_r)
        os.close(res_w)
        self.wfd = req_w
        self.rfd = res_r
        self.lock = threading.Lock()
        self.pending = {}
        self.pending_lock = threading.Lock()
        self.ids = itertools.count(1)
        self.closed = False
        self.ended = None
        self.ready = queue.Queue()
        self.thread = threading.Thread(target=self._read, name="pyfunc-node-reader", daemon=True)
        self.thread.start()

    def _read(self):
        reader = MessageReader(self.rfd)
        try:
            while True:
                try:
                    message = reader.read()
                except OSError:
                    message = None
                if message is None:
                    break
                header, buffers = message
                if header.get("op") in ("ready", "load_error"):
                    self.ready.put((header, buffers))
                    continue
                with self.pending_lock:
                    target = self.pending.get(header.get("id"))
                if target is not None:
                    target.put((header, buffers))
        finally:
            code = self.proc.poll()
            self.ended = {
                "code": "INTERNAL_ERROR",
                "message": "The Node.js process running the model ended"
                + ("" if code is None else f" (exit code {code})")
                + "; see its output on stderr.",
            }
            self.ready.put(({"op": "load_error", "error": self.ended}, []))
            with self.pending_lock:
                waiting = list(self.pending.values())
            for target in waiting:
                target.put(({"error": self.ended}, []))
            try:
                os.close(self.rfd)
            except OSError:
                pass

    def send(self, header, data=None, params=None):
        buffers = []
        header = dict(header)
        header["data"] = encode(data, buffers)
        header["params"] = encode(params, buffers)
        self._write(header, buffers)

    def _write(self, header, buffers=()):
        if self.closed or self.ended is not None:
            raise _mlflow_error(**(self.ended or {"code": "INVALID_STATE", "message": "The Node.js model process was closed."}))
        try:
            write_message(self.wfd, self.lock, header, buffers)
        except OSError as exc:
            raise _mlflow_error("INTERNAL_ERROR", f"Could not send the request to the Node.js model process: {exc}") from None

    def load(self, model_config):
        buffers = []
        self._write({"op": "load", "config": encode(model_config, buffers)}, buffers)
        header, _ = self.ready.get()
        if header.get("op") != "ready":
            error = header.get("error") or {}
            raise _mlflow_error(error.get("code", "INTERNAL_ERROR"), error.get("message", "The model failed to load."))

    def open(self):
        rid = next(self.ids)
        target = queue.Queue()
        with self.pending_lock:
            self.pending[rid] = target
        if self.ended is not None:
            target.put(({"error": self.ended}, []))
        return rid, target

    def release(self, rid):
        with self.pending_lock:
            self.pending.pop(rid, None)

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            os.close(self.wfd)  # Node sees EOF and exits
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _raise(header):
    error = header["error"]
    raise _mlflow_error(error.get("code") or "INTERNAL_ERROR", error.get("message") or "")


class _NodeModel:
    """What MLflow's PyFuncModel wraps: predict / predict_stream run in the Node process."""

    def __init__(self, channel):
        self._channel = channel
        self._finalizer = weakref.finalize(self, channel.close)

    def predict(self, model_input, params=None):
        channel = self._channel
        rid, target = channel.open()
        try:
            channel.send({"op": "predict", "id": rid}, model_input, params)
            header, buffers = target.get()
        finally:
            channel.release(rid)
        if "error" in header:
            _raise(header)
        return decode(header.get("ok"), buffers)

    def predict_stream(self, model_input, params=None):
        channel = self._channel
        rid, target = channel.open()
        try:
            channel.send({"op": "stream", "id": rid}, model_input, params)
        except BaseException:
            channel.release(rid)
            raise
        return self._chunks(channel, rid, target)

    @staticmethod
    def _chunks(channel, rid, target):
        finished = False
        try:
            while True:
                header, buffers = target.get()
                if "error" in header:
                    finished = True
                    _raise(header)
                if header.get("done"):
                    finished = True
                    return
                yield decode(header.get("chunk"), buffers)
        finally:
            channel.release(rid)
            if not finished and not channel.closed and channel.ended is None:
                try:
                    channel._write({"op": "cancel", "target": rid})
                except Exception:  # noqa: BLE001 - the process may be gone
                    pass

    def close(self):
        """Ends the Node process now (otherwise it ends when this object is collected)."""
        self._finalizer()

    @property
    def pid(self):
        return self._channel.proc.pid


def _find_node():
    name = os.environ.get("PYFUNC_NODE") or "node"
    found = shutil.which(name)
    if found is None:
        raise _mlflow_error(
            "RESOURCE_DOES_NOT_EXIST",
            f"This model is a TypeScript model (saved by @pyfunc/runtime) and runs in Node.js, but the "
            f"`{name}` executable was not found on PATH. Install Node.js 20 or later and make sure `node` "
            f"is on PATH (or set PYFUNC_NODE to the node executable).",
        )
    return found


def _load_pyfunc(path, model_config=None):
    """MLflow's loader contract: ``path`` is the model directory (this flavor has no ``data``)."""
    path = os.path.abspath(path)
    if not os.path.isfile(os.path.join(path, RUNNER)):
        raise _mlflow_error("RESOURCE_DOES_NOT_EXIST", f"The model's Node runner '{os.path.join(path, RUNNER)}' is missing.")
    channel = _Channel(_find_node(), path)
    model = _NodeModel(channel)
    try:
        channel.load(model_config)
    except BaseException:
        model.close()
        raise
    return model
