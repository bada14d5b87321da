"""Ops about ChatModel and the chat types (mlflow/types/llm.py, mlflow/pyfunc/loaders/chat_model.py)."""
import json
import os
import warnings

import mlflow
from mlflow.types import llm

_TYPES = {
    name: getattr(llm, name)
    for name in [
        "ChatMessage", "ChatParams", "ChatCompletionRequest", "ChatCompletionResponse",
        "ChatCompletionChunk", "ChatChoice", "ChatChunkChoice", "ChatChoiceDelta", "ToolCall",
        "FunctionToolCallArguments", "ToolDefinition", "FunctionToolDefinition",
        "ToolParamsSchema", "ParamProperty", "TokenUsageStats", "ChatChoiceLogProbs",
        "TokenLogProb", "TopTokenLogProb",
    ]
}


def from_dict(case):
    """{"type": <class name>, "data": <dict>} -> cls.from_dict(data).to_dict()."""
    return _TYPES[case["type"]].from_dict(case["data"]).to_dict()


def construct(case):
    """{"type": <class name>, "kwargs": <dict>} -> cls(**kwargs).to_dict() (constructor, not from_dict)."""
    return _TYPES[case["type"]](**case["kwargs"]).to_dict()


class _EchoChatModel(mlflow.pyfunc.ChatModel):
    """Answers with what it received, so that conversions are visible in the output."""

    def predict(self, context, messages, params):
        last = messages[-1].content if messages else None
        return llm.ChatCompletionResponse(
            choices=[llm.ChatChoice(message=llm.ChatMessage(role="assistant", content=str(last)))],
            usage=llm.TokenUsageStats(prompt_tokens=len(messages), completion_tokens=1, total_tokens=len(messages) + 1),
            id="echo-1",
            model="echo",
            created=1700000000,
            custom_outputs={
                "messages": [m.to_dict() for m in messages],
                "params": params.to_dict(),
            },
        )

    def predict_stream(self, context, messages, params):
        for index, message in enumerate(messages):
            yield llm.ChatCompletionChunk(
                choices=[llm.ChatChunkChoice(delta=llm.ChatChoiceDelta(content=message.content), index=0)],
                id=f"chunk-{index}",
                model="echo",
                created=1700000000,
            )
        yield llm.ChatCompletionChunk(
            choices=[llm.ChatChunkChoice(delta=llm.ChatChoiceDelta(role=None, content=None), finish_reason="stop")],
            id="chunk-end",
            model="echo",
            created=1700000000,
            custom_outputs={"params": params.to_dict()},
        )


def _wrapper():
    from mlflow.pyfunc.loaders.chat_model import _ChatModelPyfuncWrapper

    return _ChatModelPyfuncWrapper(chat_model=_EchoChatModel(), context=None, signature=None)


def wrapper_predict(case):
    """The loaded chat model's predict, without schema enforcement: dict in, dict out."""
    return _wrapper().predict(case["input"])


def wrapper_predict_stream(case):
    """The loaded chat model's predict_stream, without schema enforcement: the chunk dicts."""
    return list(_wrapper().predict_stream(case["input"]))


def save(case):
    """Saves the echo ChatModel with real MLflow into case["path"]; returns what it wrote."""
    path = case["path"]
    kwargs = {}
    if "input_example" in case:
        example = case["input_example"]
        if case.get("example_params") is not None:
            example = (example, case["example_params"])
        kwargs["input_example"] = example
    if "signature" in case:
        kwargs["signature"] = mlflow.models.ModelSignature.from_dict(case["signature"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.pyfunc.save_model(path, python_model=_EchoChatModel(), **kwargs)
    model = mlflow.models.Model.load(path)
    files = {}
    for name in ["input_example.json", "serving_input_example.json"]:
        file_path = os.path.join(path, name)
        if os.path.exists(file_path):
            with open(file_path, encoding="utf-8") as f:
                files[name] = f.read()
    with open(os.path.join(path, "MLmodel"), encoding="utf-8") as f:
        mlmodel_text = f.read()
    return {
        "signature": model.signature.to_dict(),
        "metadata": model.metadata,
        "saved_input_example_info": model.saved_input_example_info,
        "files": files,
        "flavor": {k: v for k, v in model.flavors["python_function"].items() if k in ("loader_module", "streamable")},
        "mlmodel": mlmodel_text,
    }


def save_then_predict(case):
    """Saves the echo model into case["path"], loads it, and predicts each input (with enforcement)."""
    path = case["path"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.pyfunc.save_model(path, python_model=_EchoChatModel())
        model = mlflow.pyfunc.load_model(path)
    answers = []
    for data in case["inputs"]:
        try:
            answers.append({"ok": json.loads(json.dumps(model.predict(data)))})
        except Exception as error:  # noqa: BLE001
            answers.append({"error": {"type": type(error).__name__, "message": str(getattr(error, "message", None) or error),
                                      "code": getattr(error, "error_code", None)}})
    return answers


OPS = {
    "from_dict": from_dict,
    "construct": construct,
    "wrapper_predict": wrapper_predict,
    "wrapper_predict_stream": wrapper_predict_stream,
    "save": save,
    "save_then_predict": save_then_predict,
}
