"""modelwatch from Python: the same metric and event names, through the Python
OpenTelemetry SDK, exported as OTLP/HTTP protobuf to the modelwatch aggregator
(or a Collector).

    pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python monitor_example.py

What it shows (see docs/python.md):
  * the views: exponential histograms for ml.feature.value / ml.prediction.value,
    fixed buckets for ml.inference.duration and ml.prediction.confidence;
  * delta temporality for counters and histograms;
  * the sign rule: a negative value x is recorded as |x| with ml.feature.sign=negative;
  * missing (None / NaN) features counted in ml.feature.missing;
  * ml.prediction events for the ground-truth sample, chosen by the same hash of
    the prediction id as @modelwatch/instrumentation, and ml.ground_truth events.

Running it as a script simulates a small batch of predictions and prints the
sampled prediction ids as JSON (the test suite checks them against the
TypeScript implementation of the hash).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator, Mapping, Optional, Union

from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import (
    ExplicitBucketHistogramAggregation,
    ExponentialBucketHistogramAggregation,
    View,
)
from opentelemetry.sdk.resources import Resource

# The fixed names of the modelwatch conventions (packages/semconv/model/registry.yaml).
LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
CONFIDENCE_BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
                      0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999]
OTHER_CATEGORY = "__other__"
DEFAULT_ENDPOINT = "http://127.0.0.1:4318"


def prediction_id_hash(prediction_id: str) -> float:
    """FNV-1a 32-bit over the UTF-8 bytes, murmur3 fmix32, divided by 2**32.

    Identical to predictionIdHash in @modelwatch/instrumentation, so a Python
    replica and a Node replica agree on which predictions are sampled.
    """
    h = 0x811C9DC5
    for byte in prediction_id.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h / 4294967296


def setup(service_name: str, model_name: str, model_version: str):
    """MeterProvider and LoggerProvider wired like @modelwatch/node's startModelwatch."""
    resource = Resource.create({  # merges OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME
        "service.name": os.environ.get("OTEL_SERVICE_NAME", service_name),
        "ml.model.name": model_name,
        "ml.model.version": model_version,
    })
    # The exporters read OTEL_EXPORTER_OTLP_ENDPOINT themselves; their built-in
    # default is localhost, the aggregator listens on 127.0.0.1.
    base = None if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") else DEFAULT_ENDPOINT
    delta = {
        Counter: AggregationTemporality.DELTA,
        Histogram: AggregationTemporality.DELTA,
        ObservableCounter: AggregationTemporality.DELTA,
        UpDownCounter: AggregationTemporality.CUMULATIVE,
        ObservableUpDownCounter: AggregationTemporality.CUMULATIVE,
        ObservableGauge: AggregationTemporality.CUMULATIVE,
    }
    metric_exporter = OTLPMetricExporter(
        endpoint=f"{base}/v1/metrics" if base else None, preferred_temporality=delta)
    views = [
        View(instrument_name="ml.feature.value", aggregation=ExponentialBucketHistogramAggregation(max_size=160)),
        View(instrument_name="ml.prediction.value", aggregation=ExponentialBucketHistogramAggregation(max_size=160)),
        View(instrument_name="ml.inference.duration", aggregation=ExplicitBucketHistogramAggregation(LATENCY_BUCKETS)),
        View(instrument_name="ml.prediction.confidence", aggregation=ExplicitBucketHistogramAggregation(CONFIDENCE_BUCKETS)),
    ]
    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[PeriodicExportingMetricReader(metric_exporter)],
        views=views,
    )
    logger_provider = LoggerProvider(resource=resource)
    log_exporter = OTLPLogExporter(endpoint=f"{base}/v1/logs" if base else None)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))
    return meter_provider, logger_provider


Feature = Union[float, int, str, bool, None]


class ModelMonitor:
    """A minimal Python counterpart of @modelwatch/instrumentation's ModelMonitor.

    Model identity travels on the resource (one model per process), so points
    carry only what varies. Features are recorded for every call here; a busy
    service samples them (see docs/python.md).
    """

    def __init__(self, meter_provider, logger_provider, features: Mapping[str, str],
                 ground_truth_sample_rate: float = 0.1, max_categories: int = 100):
        meter = meter_provider.get_meter("modelwatch-python-example", "0.1.0")
        self._logger = logger_provider.get_logger("modelwatch-python-example", "0.1.0")
        self._duration = meter.create_histogram("ml.inference.duration", unit="s")
        self._active = meter.create_up_down_counter("ml.inference.active_requests", unit="{request}")
        self._predictions = meter.create_counter("ml.predictions", unit="{prediction}")
        self._confidence = meter.create_histogram("ml.prediction.confidence", unit="1")
        self._feature_value = meter.create_histogram("ml.feature.value", unit="{value}")
        self._observations = meter.create_counter("ml.feature.observations", unit="{observation}")
        self._missing = meter.create_counter("ml.feature.missing", unit="{observation}")
        self._features = dict(features)
        self._categories: dict[str, set[str]] = {name: set() for name, kind in features.items() if kind == "categorical"}
        self._max_categories = max_categories
        self.ground_truth_sample_rate = ground_truth_sample_rate

    def is_sampled(self, prediction_id: str) -> bool:
        return prediction_id_hash(prediction_id) < self.ground_truth_sample_rate

    @contextmanager
    def request(self) -> Iterator[None]:
        """Times one inference; records error.type if it raises (and re-raises)."""
        start = time.perf_counter()
        self._active.add(1)
        try:
            yield
        except Exception as err:
            self._duration.record(time.perf_counter() - start, {"error.type": type(err).__name__})
            raise
        else:
            self._duration.record(time.perf_counter() - start)
        finally:
            self._active.add(-1)

    def record(self, prediction_id: str, label: str, confidence: float,
               features: Mapping[str, Feature], segment: Optional[str] = None) -> bool:
        """Records one prediction; returns whether it is in the ground-truth sample."""
        self._predictions.add(1, {"ml.prediction.label": label})
        self._confidence.record(confidence)
        for name, kind in self._features.items():
            value = features.get(name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                self._missing.add(1, {"ml.feature.name": name})
            elif kind == "numeric":
                if value < 0:  # OTel SDKs drop negative histogram values: the sign rule
                    self._feature_value.record(-value, {"ml.feature.name": name, "ml.feature.sign": "negative"})
                else:
                    self._feature_value.record(value, {"ml.feature.name": name})
            else:
                category = str(value).lower() if isinstance(value, bool) else str(value)
                seen = self._categories[name]
                if category not in seen and len(seen) >= self._max_categories:
                    category = OTHER_CATEGORY
                else:
                    seen.add(category)
                self._observations.add(1, {"ml.feature.name": name, "ml.feature.category": category})
        sampled = self.is_sampled(prediction_id)
        if sampled:
            attributes = {"ml.prediction.id": prediction_id, "ml.prediction.label": label,
                          "ml.prediction.confidence": confidence}
            if segment is not None:
                attributes["ml.segment"] = segment
            # The active context (and its trace) is attached by the SDK.
            self._logger.emit(event_name="ml.prediction", attributes=attributes)
        return sampled

    def feedback(self, prediction_id: str, truth: str) -> bool:
        """Sends ground truth for a sampled prediction; any replica decides the same way."""
        if not self.is_sampled(prediction_id):
            return False
        self._logger.emit(event_name="ml.ground_truth",
                          attributes={"ml.prediction.id": prediction_id, "ml.ground_truth.label": truth})
        return True


def predict(features: Mapping[str, Feature]) -> tuple[str, float]:
    """A stand-in model: churn when the balance is negative."""
    if features.get("age") == -1:
        raise ValueError("age must be known")
    balance = features.get("balance") or 0.0
    p = 1 / (1 + math.exp(balance / 100))
    return ("churn", p) if p >= 0.5 else ("stay", 1 - p)


def main() -> int:
    meter_provider, logger_provider = setup("python-churn", "churn", "v3")
    monitor = ModelMonitor(meter_provider, logger_provider,
                           features={"age": "numeric", "balance": "numeric", "country": "categorical"},
                           ground_truth_sample_rate=float(os.environ.get("MODELWATCH_GT_RATE", "0.25")))
    countries = ["US", "FR", "DE", None]
    sampled: list[str] = []
    for i in range(200):
        prediction_id = f"py-{i}"
        features = {"age": 20 + i % 50, "balance": (i % 7 - 3) * 40.0,
                    "country": countries[i % 4]}
        if i == 7:
            features["balance"] = float("nan")
        if i == 13:
            features["age"] = -1  # the model rejects this one
        try:
            with monitor.request():
                label, confidence = predict(features)
        except ValueError:
            continue
        if monitor.record(prediction_id, label, confidence, features, segment="web" if i % 2 else "mobile"):
            sampled.append(prediction_id)
    for prediction_id in sampled:
        monitor.feedback(prediction_id, "churn")
    meter_provider.force_flush()
    logger_provider.force_flush()
    meter_provider.shutdown()
    logger_provider.shutdown()
    json.dump({"sampled": sampled}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
