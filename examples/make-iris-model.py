"""Regenerates examples/iris-classifier with real MLflow 2.22 (the oracle venv):
    $(bash scripts/oracle-venv.sh 2 | cut -d' ' -f2) examples/make-iris-model.py
"""
import os
import shutil

import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

here = os.path.dirname(os.path.abspath(__file__))
target = os.path.join(here, "iris-classifier")
shutil.rmtree(target, ignore_errors=True)
X, y = load_iris(return_X_y=True, as_frame=True)
model = LogisticRegression(max_iter=500, random_state=0).fit(X, y)
example = X.head(3)
mlflow.sklearn.save_model(
    model, target, input_example=example,
    signature=infer_signature(example, model.predict(example)),
    metadata={"description": "Iris species from four flower measurements", "source": "scikit-learn load_iris"},
)
