"""Delivery counters in the Prometheus text format, kept by the process that sends.

Written out by hand (the format is a few lines of text) rather than with prometheus_client, so the core
takes no dependency for it. Counters are this process's since it started, as Prometheus expects; the
outbox depth is read from the database at scrape time by whoever serves /metrics.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def lane_label(lane: str) -> str:
    """How a lane appears outside the database (metrics, /healthz): its platform and a digest.

    A lane is `slack:<team or enterprise id>` or `teams:<tenant id>`; those ids say which organisations use
    the service, and metrics end up in dashboards, alerts and screenshots that travel much further than
    the database. The digest is stable across processes and restarts (so time series stay continuous),
    and `leaders outbox` prints each lane beside its label for whoever needs to know which is which.
    """
    platform, _, _ = lane.partition(":")
    return f"{platform}:{hashlib.sha256(lane.encode('utf-8')).hexdigest()[:12]}"


def _labels(**labels: str) -> str:
    escaped = {k: v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for k, v in labels.items()}
    return "{" + ",".join(f'{k}="{v}"' for k, v in escaped.items()) + "}"


class DeliveryMetrics:
    """Sends, failures (by kind), 429s and send latency, per platform."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: defaultdict[str, int] = defaultdict(int)
        self.failures: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.throttled: defaultdict[str, int] = defaultdict(int)
        self.latency_counts: defaultdict[str, list[int]] = defaultdict(lambda: [0] * len(LATENCY_BUCKETS))
        self.latency_sum: defaultdict[str, float] = defaultdict(float)
        self.latency_n: defaultdict[str, int] = defaultdict(int)

    def observe_send(self, platform: str, seconds: float) -> None:
        with self._lock:
            self.latency_sum[platform] += seconds
            self.latency_n[platform] += 1
            counts = self.latency_counts[platform]
            for index, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    counts[index] += 1

    def count_sent(self, platform: str) -> None:
        with self._lock:
            self.sent[platform] += 1

    def count_failure(self, platform: str, kind: str) -> None:
        with self._lock:
            self.failures[(platform, kind)] += 1
            if kind == "throttled":
                self.throttled[platform] += 1

    def render(self) -> list[str]:
        with self._lock:
            lines = ["# HELP leaders_delivery_sent_total Messages the platforms accepted.",
                     "# TYPE leaders_delivery_sent_total counter"]
            lines += [f"leaders_delivery_sent_total{_labels(platform=p)} {n}"
                      for p, n in sorted(self.sent.items())]
            lines += ["# HELP leaders_delivery_failures_total Sends that failed, by kind (throttled, retry, "
                      "permanent, gave_up).", "# TYPE leaders_delivery_failures_total counter"]
            lines += [f"leaders_delivery_failures_total{_labels(platform=p, kind=k)} {n}"
                      for (p, k), n in sorted(self.failures.items())]
            lines += ["# HELP leaders_delivery_throttled_total Answers of 429 Too Many Requests.",
                      "# TYPE leaders_delivery_throttled_total counter"]
            lines += [f"leaders_delivery_throttled_total{_labels(platform=p)} {n}"
                      for p, n in sorted(self.throttled.items())]
            lines += ["# HELP leaders_delivery_send_seconds Time for one send request to the platform.",
                      "# TYPE leaders_delivery_send_seconds histogram"]
            for platform in sorted(self.latency_n):
                for bound, count in zip(LATENCY_BUCKETS, self.latency_counts[platform], strict=True):
                    labels = _labels(platform=platform, le=str(bound))
                    lines.append(f"leaders_delivery_send_seconds_bucket{labels} {count}")
                lines.append(f"leaders_delivery_send_seconds_bucket{_labels(platform=platform, le='+Inf')} "
                             f"{self.latency_n[platform]}")
                lines.append(f"leaders_delivery_send_seconds_sum{_labels(platform=platform)} "
                             f"{self.latency_sum[platform]:.6f}")
                lines.append(f"leaders_delivery_send_seconds_count{_labels(platform=platform)} "
                             f"{self.latency_n[platform]}")
            return lines


def render_depth(depth: list[tuple[str, str, int]]) -> list[str]:
    lines = ["# HELP leaders_outbox_messages Outbox messages by status and lane.",
             "# TYPE leaders_outbox_messages gauge"]
    lines += [f"leaders_outbox_messages{_labels(status=s, lane=lane_label(lane))} {n}"
              for s, lane, n in depth]
    return lines
