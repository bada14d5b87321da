"""MLflow's ``spark_udf`` for pyfunc models, backed by @pyfunc/spark.

``spark_udf(spark, model_uri, ...)`` returns a column function with MLflow's semantics. Each
executor Python worker process starts one Node worker (``dist/spark-worker.js`` of the npm
package) on its first non-empty batch and reuses it for every later task and batch; batches go to
it as Arrow IPC streams and the result comes back the same way. This module only moves Arrow data
and raises the errors Node reports: result types, argument naming and output conversion are
TypeScript's (@pyfunc/spark).

Environment: ``PYFUNC_NODE`` (the node binary, default ``node``), ``PYFUNC_SPARK_WORKER`` (the
worker script, default ``../dist/spark-worker.js`` next to this file).
"""
import json
import os
import struct
import subprocess
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, Tuple, Union

_ENV_MANAGERS = ("local", "conda", "virtualenv", "uv")  # MLflow's order, as its message lists them
_HERE = os.path.dirname(os.path.abspath(__file__))


class PyfuncSparkError(Exception):
    """Raised for errors when MLflow is not installed (otherwise an ``MlflowException``)."""

    def __init__(self, message, error_code="INTERNAL_ERROR"):
        super().__init__(message)
        self.message = message
        self.error_code = error_code


def _error(message, error_code="INTERNAL_ERROR"):
    try:
        from mlflow.exceptions import MlflowException
    except ImportError:
        return PyfuncSparkError(message, error_code)
    return MlflowException(message, error_code=error_code)


def _worker_command():
    script = os.environ.get("PYFUNC_SPARK_WORKER") or os.path.join(_HERE, "..", "dist", "spark-worker.js")
    return [os.environ.get("PYFUNC_NODE", "node"), os.path.normpath(script)]


class _NodeWorker:
    """One Node worker process talking over a pipe pair; it exits when its request pipe closes."""

    def __init__(self, command):
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        env = dict(os.environ)
        env.setdefault("PYFUNC_PYTHON", sys.executable)
        env["PYFUNC_SPARK_INPUT_FD"] = str(request_read)
        env["PYFUNC_SPARK_OUTPUT_FD"] = str(response_write)
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=sys.stderr.fileno(),
                pass_fds=(request_read, response_write),
                env=env,
            )
        finally:
            os.close(request_read)
            os.close(response_write)
        self._lock = threading.Lock()

    def _read_exact(self, n):
        chunks = []
        while n > 0:
            chunk = os.read(self._response_read, min(n, 1 << 20))
            if not chunk:
                code = self.process.poll()
                raise _error(f"The @pyfunc/spark Node worker exited unexpectedly (exit code {code}).")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def call(self, header, body=b""):
        data = json.dumps(header).encode("utf-8")
        message = struct.pack("<I", len(data)) + data + struct.pack("<I", len(body))
        with self._lock:
            os.write(self._request_write, message)
            view = memoryview(body)
            while len(view):
                written = os.write(self._request_write, view)
                view = view[written:]
            (length,) = struct.unpack("<I", self._read_exact(4))
            answer = json.loads(self._read_exact(length))
            (body_length,) = struct.unpack("<I", self._read_exact(4))
            answer_body = self._read_exact(body_length) if body_length else b""
        if "error" in answer:
            raise _error(answer["error"]["message"], answer["error"]["error_code"])
        return answer["ok"], answer_body

    def close(self):
        try:
            os.close(self._request_write)
        except OSError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._response_read)


_worker = None
_worker_lock = threading.Lock()


def _get_worker(command=None):
    """This process's Node worker, started on first use and replaced if it died. ``command`` is
    the driver's (this file may be a copy shipped to executors, away from dist/)."""
    global _worker
    with _worker_lock:
        if _worker is None or _worker.process.poll() is not None:
            _worker = _NodeWorker(command or _worker_command())
        return _worker


def worker_stats():
    """The pid, model loads and batches of this process's Node worker (``None`` before it started)."""
    if _worker is None or _worker.process.poll() is not None:
        return None
    return _get_worker().call({"op": "stats"})[0]


@contextmanager
def _modified_environ(update):
    saved = {name: os.environ.get(name) for name in update}
    os.environ.update(update)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _local_model_path(model_uri):
    text = str(model_uri)
    if text.startswith("file://"):
        text = text[len("file://"):]
    elif text.startswith("file:"):
        text = text[len("file:"):]
    if "://" not in text and not text.startswith(("runs:", "models:")) and os.path.exists(text):
        return os.path.abspath(text)
    try:
        from mlflow.artifacts import download_artifacts
    except ImportError:
        raise _error(f"Cannot resolve model URI '{model_uri}' without MLflow installed.", "INVALID_PARAMETER_VALUE")
    return os.path.abspath(download_artifacts(artifact_uri=str(model_uri)))


_shipped = set()


def _ship_to_executors(spark):
    """Makes this module importable on executors (once per SparkContext; classic Spark only)."""
    try:
        context = spark.sparkContext
    except Exception:  # noqa: BLE001 - Spark Connect: the module must be installed on the cluster
        return
    if id(context) not in _shipped:
        context.addPyFile(os.path.abspath(__file__))
        _shipped.add(id(context))


def _parse_spark_type(spark, ddl):
    """Spark's own parse of a DDL type string (its parse errors reach the caller as they are)."""
    from pyspark.sql.functions import udf

    parsed = udf(lambda x: x, returnType=ddl).returnType
    if parsed.typeName() == "unparseddata":
        parsed = spark.range(0).select(udf(lambda x: x, returnType=ddl)("id")).schema[0].dataType
    return parsed


def _series_to_arrow(series):
    import pyarrow as pa

    if series.dtype.kind == "f":  # keep NaN as NaN (PySpark's int-with-null columns arrive as float64)
        return pa.array(series.to_numpy(), from_pandas=False)
    return pa.array(series, from_pandas=True)


def _batch_to_ipc(args):
    import pandas as pd
    import pyarrow as pa

    arrays = []
    for arg in args:
        if isinstance(arg, pd.DataFrame):
            children = [_series_to_arrow(arg.iloc[:, i]) for i in range(arg.shape[1])]
            arrays.append(pa.StructArray.from_arrays(children, names=[str(c) for c in arg.columns]))
        else:
            arrays.append(_series_to_arrow(arg))
    batch = pa.RecordBatch.from_arrays(arrays, names=[str(i) for i in range(len(arrays))])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _result_from_ipc(body, is_struct):
    import pandas as pd
    import pyarrow as pa

    column = pa.ipc.open_stream(body).read_all().column(0).combine_chunks()
    options = {"maps_as_pydicts": "strict"}  # PySpark takes map values as dicts
    if is_struct:
        return pd.DataFrame({column.type.field(i).name: column.field(i).to_pandas(**options)
                             for i in range(column.type.num_fields)})
    return column.to_pandas(**options)


def spark_udf(spark, model_uri, result_type=None, env_manager=None, params=None, extra_env=None,
              model_config=None, prebuilt_env_uri=None):
    """A Spark column function predicting with the model at ``model_uri`` (MLflow's ``spark_udf``).

    Args:
        spark: the SparkSession.
        model_uri: a model path or URI (non-local URIs are downloaded with MLflow).
        result_type: a PySpark DataType or DDL string; ``None`` infers it from the output schema.
        env_manager: ``local`` (default), ``virtualenv``, ``uv`` or ``conda``.
        params: inference params, validated now against the params schema.
        extra_env: environment variables set on executors while the UDF runs.
        model_config: dict (or file path) passed to the model loader.
        prebuilt_env_uri: Databricks-only in MLflow; not supported here.
    """
    import pandas as pd
    from pyspark.sql.functions import pandas_udf
    from pyspark.sql.types import DataType, StructType

    if prebuilt_env_uri is not None:
        raise _error("'prebuilt_env_uri' is not supported by @pyfunc/spark: it only applies to Databricks "
                     "Serverless / Databricks Connect prebuilt environments.", "INVALID_PARAMETER_VALUE")
    env_manager = env_manager or "local"
    if env_manager not in _ENV_MANAGERS:
        raise _error(f"Invalid value for `env_manager`: {env_manager}. Must be one of "
                     f"{list(_ENV_MANAGERS)}", "INVALID_PARAMETER_VALUE")
    if isinstance(model_config, os.PathLike):
        model_config = os.fspath(model_config)

    local_path = _local_model_path(model_uri)
    _ship_to_executors(spark)
    command = _worker_command()
    if isinstance(result_type, str):
        result_type = _parse_spark_type(spark, "boolean" if result_type == "bool" else result_type)
    if result_type is not None and not isinstance(result_type, DataType):
        raise _error(f"result_type must be a PySpark DataType or a DDL string, got {type(result_type).__name__}",
                     "INVALID_PARAMETER_VALUE")
    described, _ = _get_worker(command).call({
        "op": "describe",
        "model_path": local_path,
        "result_type": None if result_type is None else result_type.simpleString(),
        "params": params,
    })
    spark_type = _parse_spark_type(spark, described["result_type_ddl"])
    is_struct = isinstance(spark_type, StructType)
    request = {
        "op": "predict",
        "model_path": local_path,
        "model_config": model_config,
        "env_manager": env_manager,
        "extra_env": extra_env or None,
        "result_type": described["result_type_ddl"],
        "params": params,
        "session_time_zone": spark.conf.get("spark.sql.session.timeZone"),
    }
    update_envs = dict(extra_env or {})
    result_hint = pd.DataFrame if is_struct else pd.Series

    @pandas_udf(spark_type)
    def udf(iterator: Iterator[Tuple[Union[pd.Series, pd.DataFrame], ...]]) -> Iterator[result_hint]:
        with _modified_environ(update_envs):
            for batch in iterator:
                args = (batch,) if isinstance(batch, (pd.Series, pd.DataFrame)) else tuple(batch)
                if len(args[0]) == 0:
                    continue
                _, body = _get_worker(command).call(request, _batch_to_ipc(args))
                yield _result_from_ipc(body, is_struct)

    try:
        from mlflow.models import Model

        udf.metadata = Model.load(os.path.join(local_path, "MLmodel"))
    except ImportError:
        udf.metadata = None

    input_schema = described["input_schema"]

    def udf_with_default_cols(*args):
        if len(args) > 0:
            return udf(*args)
        if input_schema is not None and input_schema["optional"]:
            raise _error("Cannot apply UDF without column names specified when model signature contains "
                         "optional columns.", "INVALID_PARAMETER_VALUE")
        if input_schema is not None and input_schema["count"] > 0:
            if input_schema["has_names"]:
                return udf(*input_schema["names"])
            raise _error("Cannot apply udf because no column names specified. The udf expects "
                         f"{input_schema['count']} columns with types: {{input_schema.inputs}}. Input column "
                         "names could not be inferred from the model signature (column names not found).",
                         "INVALID_PARAMETER_VALUE")
        raise _error("Attempting to apply udf on zero columns because no column names were specified as "
                     "arguments or inferred from the model signature.", "INVALID_PARAMETER_VALUE")

    udf_with_default_cols.metadata = udf.metadata
    udf_with_default_cols.__name__ = "udf"
    udf_with_default_cols.__wrapped__ = udf
    return udf_with_default_cols
