"""Worker process of @pyfunc/python: loads one model with MLflow's own load_model and serves
predict / predict_stream requests from Node.

Transport: fd 3 carries requests (Node -> worker), fd 4 responses (worker -> Node). Each message is
  u32 LE header length | header (UTF-8 JSON) | padding to 8 | buffers (each padded to 8)
where the header's "lens" lists the buffer byte lengths. Values are JSON trees in which tagged
nodes ({"$tag": ...}) stand for Python types JSON lacks, and numeric columns/tensors reference
raw little-endian buffers. stdout/stderr stay free for the model's own output.
The worker exits when fd 3 reaches EOF (Node went away) and asks the kernel to kill it with its
parent (Linux PR_SET_PDEATHSIG).
"""
import json
import os
import sys
import threading
import traceback

REQ_FD = 3
RES_FD = 4


def _die_with_parent():
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(0)
    except Exception:  # noqa: BLE001 - best effort; EOF on fd 3 still ends the worker
        pass


def _import_wire():
    """The codec, pyfunc_wire.py of @pyfunc/runtime (Node passes its folder in PYFUNC_WIRE_DIR);
    on sys.path only while importing, so its folder shadows nothing of the model's."""
    folder = os.environ["PYFUNC_WIRE_DIR"]
    sys.path.insert(0, folder)
    try:
        import pyfunc_wire
    finally:
        sys.path.remove(folder)
    return pyfunc_wire


pyfunc_wire = _import_wire()
MessageReader, decode, encode = pyfunc_wire.MessageReader, pyfunc_wire.decode, pyfunc_wire.encode

_write_lock = threading.Lock()
JSON_TRANSPORT = os.environ.get("PYFUNC_WORKER_TRANSPORT") == "json"


SHARED_FD = 5  # optional: a deleted /dev/shm file Node opened for large buffers, both ways


def write_message(fd, message, buffers=(), shared_fd=None):
    pyfunc_wire.write_message(fd, _write_lock, message, buffers, json_transport=JSON_TRANSPORT, shared_fd=shared_fd)


def _shared_fd():
    """fd 5 when Node passed a regular file there (it does on Linux unless disabled), else None."""
    import stat
    try:
        return SHARED_FD if stat.S_ISREG(os.fstat(SHARED_FD).st_mode) else None
    except OSError:
        return None


# ---------------------------------------------------------------- serving

def error_of(exc):
    code = getattr(exc, "error_code", None)
    message = getattr(exc, "message", None)
    return {
        "type": type(exc).__name__,
        "code": code if isinstance(code, str) else None,
        "message": str(message if isinstance(message, str) else exc),
        "traceback": traceback.format_exc(),
    }


def _watch_hangup(fd):
    """Ends the worker as soon as Node closes the request pipe or dies, even while a model loads or
    predicts. The main thread reads the requests itself (no hand-off between threads per request);
    this thread only polls for the hang-up (Linux POLLRDHUP), never reading. Elsewhere the worker
    notices at its next read (and Node kills it after a grace period)."""
    import select
    rdhup = getattr(select, "POLLRDHUP", None)
    if rdhup is None:
        return

    def watch():
        poller = select.poll()
        poller.register(fd, rdhup | select.POLLHUP | select.POLLERR)
        while True:
            for _, events in poller.poll():
                if events & (rdhup | select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    _die_with_parent()
    model_uri = sys.argv[1]
    _watch_hangup(REQ_FD)
    shared = None if JSON_TRANSPORT else _shared_fd()
    requests = MessageReader(REQ_FD, shared)

    try:
        import mlflow.pyfunc
        options = json.loads(os.environ.get("PYFUNC_WORKER_OPTIONS", "{}"))
        kwargs = {}
        if options.get("model_config") is not None:
            kwargs["model_config"] = options["model_config"]
        if options.get("suppress_warnings"):
            kwargs["suppress_warnings"] = True
        model = mlflow.pyfunc.load_model(model_uri, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the load error goes back to Node
        write_message(RES_FD, {"op": "load_error", "error": error_of(exc)})
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(3)
    write_message(RES_FD, {"op": "ready", "pid": os.getpid(), "mlflow": getattr(mlflow, "__version__", None), "shm": shared is not None})

    def finish(message, buffers=()):
        """The last answer of a request: says whether the shared request buffers are free again, and
        may itself travel through the shared file (only then: Node reads it before its next request)."""
        free = requests.shared_free()
        message["sf"] = free
        write_message(RES_FD, message, buffers, shared_fd=shared if free else None)

    while True:
        message = requests.read()
        if message is None:
            os._exit(0)  # Node closed the pipe (or died): never outlive it
        header, buffers = message
        rid = header.get("id")
        op = header.get("op")
        try:
            if op == "ping":
                finish({"id": rid, "ok": None})
                continue
            data = decode(header.get("data"), buffers)
            params = decode(header.get("params"), buffers)
            message = header = buffers = None  # the input lives on in `data` only
            if op == "predict":
                result = model.predict(data, params=params)
                data = params = None
                out = []
                tree = encode(result, out)
                result = None
                finish({"id": rid, "ok": tree}, out)
            elif op == "stream":
                for chunk in model.predict_stream(data, params=params):
                    out = []
                    tree = encode(chunk, out)
                    write_message(RES_FD, {"id": rid, "chunk": tree}, out)
                data = params = chunk = None
                finish({"id": rid, "done": True})
            else:
                raise ValueError(f"unknown op {op!r}")
        except BaseException as exc:  # noqa: BLE001 - every failure is an answer
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            error = error_of(exc)
            exc = message = header = buffers = data = params = result = chunk = None
            finish({"id": rid, "error": error})
        finally:
            # drop this request's frames before the next read, so its buffers can be reused
            message = header = buffers = data = params = result = chunk = out = tree = None
            sys.stdout.flush()
            sys.stderr.flush()


if __name__ == "__main__":
    main()
