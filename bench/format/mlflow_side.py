"""Times MLflow's Model.load and Model.to_yaml per file; prints JSON {path: {load_us, write_us}}."""
import json
import sys
import time

from mlflow.models import Model

paths = json.loads(sys.stdin.read())
iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 200
out = {}
for path in paths:
    model = Model.load(path)
    for _ in range(10):  # warm up
        Model.load(path).to_yaml()
    start = time.perf_counter()
    for _ in range(iterations):
        Model.load(path)
    load_us = (time.perf_counter() - start) / iterations * 1e6
    start = time.perf_counter()
    for _ in range(iterations):
        model.to_yaml()
    write_us = (time.perf_counter() - start) / iterations * 1e6
    out[path] = {"load_us": load_us, "write_us": write_us}
print(json.dumps(out))
