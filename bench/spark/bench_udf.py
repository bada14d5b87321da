"""Rows/second of MLflow's spark_udf and ours on the same job (local[2], env_manager=local).
Usage: python bench_udf.py <work dir> <rows> <partitions> <rounds>   (prints JSON)"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packages", "adapters", "spark", "python"))
import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import pyfunc_spark  # noqa: E402


def main():
    work, rows, partitions, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    path = os.path.join(work, "bench-sklearn")
    if not os.path.exists(os.path.join(path, "MLmodel")):
        rng = np.random.default_rng(0)
        x = pd.DataFrame(rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
        clf = LogisticRegression().fit(x, (x["a"] + x["b"] > 0).astype(int))
        mlflow.sklearn.save_model(clf, path, signature=infer_signature(x, clf.predict(x)), pip_requirements=["scikit-learn"])
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import rand, sum as sum_

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.range(rows, numPartitions=partitions).select(*[(rand(seed=i) - 0.5).alias(c) for i, c in enumerate("abcd")]).cache()
    df.count()
    out = {}
    for name, make in (("mlflow", mlflow.pyfunc.spark_udf), ("ours", pyfunc_spark.spark_udf)):
        udf = make(spark, path, result_type="long")
        df.select(sum_(udf("a", "b", "c", "d"))).collect()  # warm-up: workers, loads
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            df.select(sum_(udf("a", "b", "c", "d"))).collect()
            times.append(time.perf_counter() - started)
        out[name] = {"seconds": sorted(times)[len(times) // 2], "rows_per_second": rows / sorted(times)[len(times) // 2]}
    print(json.dumps(out))
    spark.stop()


if __name__ == "__main__":
    main()
