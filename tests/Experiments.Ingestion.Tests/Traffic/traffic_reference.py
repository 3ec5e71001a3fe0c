"""Reference figures for the traffic report, computed independently of the service.

Reads a capture file (JSON Lines, protobuf JSON mapping of CapturedExchange) and an IntendedUsage (protobuf JSON), and
prints the report's figures as JSON. Percentiles are numpy's nearest-rank (method="inverted_cdf"); shares are counts
divided by counts; the rate window is counted by brute force over every pair of calls.

usage: traffic_reference.py CAPTURES.jsonl USAGE.json
"""
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime

import numpy as np


def pct(values, q):
    return float(np.percentile(np.asarray(values, dtype=float), q, method="inverted_cdf"))


def millis(text):
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def field_paths(text):
    paths = set()
    if not text.lstrip().startswith("{"):
        return paths
    try:
        doc = json.loads(text)
    except ValueError:
        return paths

    def walk(node, prefix):
        if isinstance(node, dict):
            for key, value in node.items():
                path = key if prefix == "" else prefix + "." + key
                paths.add(path)
                walk(value, path)
        elif isinstance(node, list):
            for item in node:
                walk(item, prefix + "[]")

    walk(doc, "")
    return paths


def main():
    calls = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            status = e.get("statusCode", 0)
            http = e.get("protocol") == "CAPTURE_PROTOCOL_HTTP"
            fields = set()
            for m in e.get("requestMessages", []):
                fields |= field_paths(m.get("text", ""))
            calls.append({
                "id": e["captureId"],
                "client": e.get("clientId", ""),
                "unit": e.get("unitId", ""),
                "api": e["apiName"],
                "start": millis(e["startTime"]),
                "duration": float(e.get("durationMs", 0.0)),
                "failed": status >= 500 if http else status != 0,
                "fields": fields,
                "headers": {h["name"] for h in e.get("requestHeaders", [])},
                "req_bytes": sum(m.get("sizeBytes", 0) for m in e.get("requestMessages", [])),
                "resp_bytes": sum(m.get("sizeBytes", 0) for m in e.get("responseMessages", [])),
            })
    with open(sys.argv[2], encoding="utf-8") as f:
        usage = json.load(f)
    rules = {p["apiName"]: p for p in usage.get("endpoints", [])}
    calls.sort(key=lambda c: (c["start"], c["id"]))
    total = len(calls)

    threshold = {}
    for api in {c["api"] for c in calls}:
        threshold[api] = pct([c["duration"] for c in calls if c["api"] == api], 99)
    slow = lambda c: c["duration"] >= threshold[c["api"]]
    slow_total = sum(1 for c in calls if slow(c))

    first, last = calls[0]["start"], calls[-1]["start"]
    span = last - first
    width = next((w for w in [60_000, 300_000, 900_000, 3_600_000, 21_600_000] if span <= 60 * w), 86_400_000)
    origin = first // width * width
    buckets = (last - origin) // width + 1

    def endpoints(subset):
        out = {}
        for api in sorted({c["api"] for c in subset}):
            own = [c for c in subset if c["api"] == api]
            durations = [c["duration"] for c in own]
            out[api] = {
                "count": len(own),
                "share": len(own) / len(subset),
                "errors": sum(c["failed"] for c in own),
                "p50": pct(durations, 50),
                "p99": pct(durations, 99),
                "slow": sum(1 for c in own if slow(c)),
            }
        return out

    clients = []
    for client in sorted({c["client"] for c in calls}):
        own = [c for c in calls if c["client"] == client]
        sequences = defaultdict(list)
        for c in own:
            if c["unit"]:
                sequences[c["unit"]].append(c)

        nexts = defaultdict(Counter)
        for seq in sequences.values():
            for i, c in enumerate(seq):
                nexts[c["api"]][seq[i + 1]["api"] if i + 1 < len(seq) else ""] += 1
        transitions = {}
        for api, counter in nexts.items():
            to, count = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            transitions[api] = [to, count, count / sum(counter.values())]

        shapes = {}
        for api in sorted({c["api"] for c in own}):
            of_api = [c for c in own if c["api"] == api]
            n = len(of_api)
            shapes[api] = {
                "fields": {k: v / n for k, v in Counter(f for c in of_api for f in c["fields"]).items()},
                "headers": {k: v / n for k, v in Counter(h for c in of_api for h in c["headers"]).items()},
                "req_p50": pct([c["req_bytes"] for c in of_api], 50),
                "req_max": float(max(c["req_bytes"] for c in of_api)),
                "resp_p50": pct([c["resp_bytes"] for c in of_api], 50),
                "resp_max": float(max(c["resp_bytes"] for c in of_api)),
            }

        departures = []
        if rules:
            for api in sorted({c["api"] for c in own}):
                starts = [c["start"] for c in own if c["api"] == api]
                rule = rules.get(api)
                if rule is None:
                    departures.append(["USAGE_DEPARTURE_KIND_UNDECLARED", api, len(starts)])
                    continue
                limit = rule.get("maxCallsPerMinute", 0)
                if limit > 0:
                    over = sum(1 for t in starts if sum(1 for s in starts if t - 60_000 < s <= t) > limit)
                    if over:
                        departures.append(["USAGE_DEPARTURE_KIND_RATE_EXCEEDED", api, over])
                if rule.get("deprecated"):
                    departures.append(["USAGE_DEPARTURE_KIND_DEPRECATED", api, len(starts)])
                must = set(rule.get("mustFollow", []))
                if must:
                    missing = 0
                    for seq in sequences.values():
                        for i, c in enumerate(seq):
                            if c["api"] == api and not any(p["api"] in must for p in seq[:i]):
                                missing += 1
                    if missing:
                        departures.append(["USAGE_DEPARTURE_KIND_OUT_OF_ORDER", api, missing])

        rate = [0] * buckets
        for c in own:
            rate[(c["start"] - origin) // width] += 1
        own_slow = sum(1 for c in own if slow(c))
        clients.append({
            "client_id": client,
            "call_count": len(own),
            "unit_count": len({c["unit"] for c in own if c["unit"]}),
            "call_share": len(own) / total,
            "error_share": sum(c["failed"] for c in own) / len(own),
            "slowest_share": own_slow / slow_total if slow_total else 0.0,
            "endpoints": endpoints(own),
            "rate": rate,
            "transitions": transitions,
            "shapes": shapes,
            "departures": sorted(departures),
        })
    clients.sort(key=lambda c: (-(c["slowest_share"] / c["call_share"]), -c["slowest_share"], -c["call_count"], c["client_id"]))

    json.dump({
        "exchange_count": total,
        "bucket_seconds": width / 1000,
        "rate_origin_ms": origin,
        "thresholds": threshold,
        "endpoints": endpoints(calls),
        "clients": clients,
    }, sys.stdout)


if __name__ == "__main__":
    main()
