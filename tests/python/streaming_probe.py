"""Calls a service's streaming RPCs as a grpcio user would, and checks how each stream starts, flows and ends.

Usage: streaming_probe.py PROTOS_ROOT HOST:PORT API_KEY SERVICE
SERVICE is assignment, ingestion or statistics. Prints a JSON report; exits 1 when a check fails.
- assignment: WatchDefinitions sends its snapshot first, and a stream that outlives its deadline ends
  DEADLINE_EXCEEDED (a server stream cut by the deadline must not end OK: the client would take it for complete).
- ingestion: Ingest (client streaming) acknowledges every batch of the stream in one answer; IngestStream
  (bidirectional) answers each batch in order, and ends OK when the client half-closes.
- statistics: Forward (bidirectional) answers a probe with where the log stands, and ends OK on half-close;
  WatchVerdicts outliving its deadline ends DEADLINE_EXCEEDED.
"""
import json
import sys
import uuid

import grpc
from google.protobuf import timestamp_pb2

from stubs import load

PROTOS, TARGET, API_KEY, SERVICE = sys.argv[1:5]
METADATA = [("authorization", "Bearer " + API_KEY)]
report = {"service": SERVICE, "failures": []}
fail = report["failures"].append


def expect(condition, message):
    if not condition:
        fail(message)


def deadline_ends_stream(call, name):
    try:
        for _ in call:
            pass
        fail(f"{name}: the stream ended OK at its deadline")
    except grpc.RpcError as error:
        report[f"{name}_at_deadline"] = error.code().name
        expect(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, f"{name}: ended {error.code().name} at its deadline")


def assignment(channel):
    modules = load(PROTOS, "experiments/v1/kpi.proto", "experiments/v1/targeting.proto", "experiments/v1/experiment.proto",
                   "experiments/v1/assignment.proto", "experiments/v1/assignment_service.proto")
    pb, rpc = modules[-1]
    stub = rpc.AssignmentStub(channel)
    call = stub.WatchDefinitions(pb.WatchDefinitionsRequest(), metadata=METADATA, timeout=10)
    first = next(call)
    report["first_message"] = first.WhichOneof("change")
    expect(first.WhichOneof("change") == "snapshot", f"WatchDefinitions began with {first.WhichOneof('change')}, not a snapshot")
    call.cancel()
    deadline_ends_stream(stub.WatchDefinitions(pb.WatchDefinitionsRequest(), metadata=METADATA, timeout=1.5), "WatchDefinitions")


def event(events_pb):
    now = timestamp_pb2.Timestamp()
    now.GetCurrentTime()
    return events_pb.Event(event_id=str(uuid.uuid4()), event_time=now, user_id="probe-user",
                           request=events_pb.RequestEvent(api_name="GET /probe", latency_ms=12.5, status_code=200, client_id="probe"))


def ingestion(channel):
    (events_pb, _), (pb, rpc) = load(PROTOS, "experiments/v1/events.proto", "experiments/v1/ingestion_service.proto")
    stub = rpc.IngestionStub(channel)
    batches = [events_pb.EventBatch(sequence=i, source="streaming-probe", events=[event(events_pb), event(events_pb)]) for i in (1, 2, 3)]
    answer = stub.Ingest(iter(batches), metadata=METADATA, timeout=10)
    report["ingest_accepted"] = answer.accepted_count
    expect(answer.accepted_count == 6, f"Ingest accepted {answer.accepted_count} of 6 events")
    fresh = [events_pb.EventBatch(sequence=i, source="streaming-probe", events=[event(events_pb)]) for i in (11, 12, 13)]
    answers = list(stub.IngestStream(iter(fresh), metadata=METADATA, timeout=10))
    report["ingest_stream_sequences"] = [a.batch_sequence for a in answers]
    expect([a.batch_sequence for a in answers] == [11, 12, 13], f"IngestStream answered {report['ingest_stream_sequences']}")
    expect(all(a.accepted_count == 1 for a in answers), "IngestStream did not accept each event")
    # The same batch again: acknowledged as duplicates, not counted twice.
    again = list(stub.IngestStream(iter(fresh[:1]), metadata=METADATA, timeout=10))
    expect(len(again) == 1 and again[0].duplicate_count == 1, f"a resent batch was not a duplicate: {again}")


def statistics(channel):
    modules = load(PROTOS, "experiments/v1/events.proto", "experiments/v1/statistics_intake.proto", "experiments/v1/kpi.proto",
                   "experiments/v1/targeting.proto", "experiments/v1/experiment.proto", "experiments/v1/latency_histogram.proto",
                   "experiments/v1/kpi_result.proto", "experiments/v1/verdict.proto", "experiments/v1/replay.proto",
                   "experiments/v1/statistics_service.proto")
    intake_pb, intake_rpc = modules[1]
    service_pb, service_rpc = modules[-1]
    log_id = "probe-" + uuid.uuid4().hex
    answers = list(intake_rpc.StatisticsIntakeStub(channel).Forward(
        iter([intake_pb.ForwardRequest(log_id=log_id, partition=0, partition_count=1)]), metadata=METADATA, timeout=10))
    report["forward_answers"] = [(a.log_id == log_id, a.partition, a.confirmed_position) for a in answers]
    expect(len(answers) == 1 and answers[0].log_id == log_id and answers[0].confirmed_position == 0,
           f"Forward answered a probe of a new log with {report['forward_answers']}")
    stub = service_rpc.StatisticsStub(channel)
    deadline_ends_stream(stub.WatchVerdicts(service_pb.WatchVerdictsRequest(), metadata=METADATA, timeout=1.5), "WatchVerdicts")


def main():
    with grpc.insecure_channel(TARGET) as channel:
        {"assignment": assignment, "ingestion": ingestion, "statistics": statistics}[SERVICE](channel)
    print(json.dumps(report))
    sys.exit(1 if report["failures"] else 0)


if __name__ == "__main__":
    main()
