#!/usr/bin/env python3
"""Build the tiny ONNX model the onnxruntime instrumentation tests run.

A linear classifier with 4 features and 3 classes:

    logits = features @ W + b        (MatMul + Add)
    probabilities = softmax(logits)  (Softmax over the class axis)

Both `logits` and `probabilities` are graph outputs so the tests can exercise
the instrumentation's 'logits' and 'probabilities' score modes. The batch
dimension is symbolic, so one run may carry several rows.

The weights are fixed (no randomness) and also written as JSON next to the
model, so a test can compute the expected labels and confidences itself
instead of trusting the runtime.

Usage: python3 packages/instrumentation/scripts/make_onnx_fixture.py
Needs: pip install onnx numpy (onnxruntime is not needed).
"""
import json
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT_DIR = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "onnx"

# Rows chosen so each class wins for some plausible input.
W = np.array(
    [
        [1.0, 0.0, -1.0],
        [0.5, 1.0, 0.0],
        [-1.0, 0.5, 1.0],
        [0.0, -0.5, 0.5],
    ],
    dtype=np.float32,
)
B = np.array([0.1, 0.0, -0.1], dtype=np.float32)
LABELS = ["setosa", "versicolor", "virginica"]


def build() -> onnx.ModelProto:
    features = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 4])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])
    probabilities = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])
    nodes = [
        helper.make_node("MatMul", ["features", "W"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "B"], ["logits"], name="add"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_classifier",
        [features],
        [logits, probabilities],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")],
    )
    # Opset 13 / IR 8: old enough for any onnxruntime-node 1.14+, which is the
    # range the instrumentation declares support for.
    model = helper.make_model(
        graph,
        producer_name="modelwatch-make_onnx_fixture",
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    onnx.save(build(), OUT_DIR / "tiny-classifier.onnx")
    weights = {
        "inputName": "features",
        "outputs": ["logits", "probabilities"],
        "W": W.tolist(),
        "b": B.tolist(),
        "labels": LABELS,
    }
    (OUT_DIR / "tiny-classifier.weights.json").write_text(json.dumps(weights, indent=2) + "\n")


if __name__ == "__main__":
    main()
