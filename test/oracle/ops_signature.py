"""Ops for model signatures: ModelSignature.from_dict(d).to_dict() and friends."""
from mlflow.models.signature import ModelSignature
from mlflow.types.schema import ParamSchema, Schema


def roundtrip(case):
    """case: an MLmodel `signature` mapping; MLflow's re-serialised mapping."""
    return ModelSignature.from_dict(case).to_dict()


def schema_roundtrip(case):
    """case: a schema JSON string; Schema.from_json(case).to_json()."""
    return Schema.from_json(case).to_json()


def params_roundtrip(case):
    """case: a params JSON string; ParamSchema.from_json(case).to_json()."""
    return ParamSchema.from_json(case).to_json()


def equals(case):
    """case: [mapping a, mapping b]; whether the two signatures are equal."""
    return ModelSignature.from_dict(case[0]) == ModelSignature.from_dict(case[1])


OPS = {
    "roundtrip": roundtrip,
    "schema_roundtrip": schema_roundtrip,
    "params_roundtrip": params_roundtrip,
    "equals": equals,
}
