"""Ops about MLflow's command line (area "cli"), run inside the oracle process so one Python start
(and one `import mlflow`) serves many commands.

- "invoke": runs `mlflow <args>` through click's test runner, in process: the same command code
  (`mlflow.cli`) as the executable; answers {"exit_code", "stdout", "error"} with stdout as text.
- "exec": runs a Python script with `sys.argv[1:]` = case["argv"] (e.g. one that saves models);
  answers None, or what the script put in `result`.
"""
import sys
import traceback


def _invoke(case):
    from click.testing import CliRunner
    from mlflow.cli import cli

    result = CliRunner().invoke(cli, case["args"], catch_exceptions=True)
    error = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        error = "".join(traceback.format_exception(type(result.exception), result.exception, result.exc_info[2]))
    return {"exit_code": result.exit_code, "stdout": result.stdout_bytes.decode("utf-8"), "error": error}


def _exec(case):
    saved = sys.argv
    sys.argv = ["-c", *case.get("argv", [])]
    try:
        scope = {"__name__": "__main__"}
        exec(compile(case["code"], "<oracle cli.exec>", "exec"), scope)  # noqa: S102 - test-only oracle
        return scope.get("result")
    finally:
        sys.argv = saved


OPS = {
    "invoke": _invoke,
    "exec": _exec,
}
