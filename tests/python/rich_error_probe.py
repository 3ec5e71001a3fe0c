"""Creates an invalid experiment the way a grpcio user would, and reads the rich error model of the refusal.

Usage: rich_error_probe.py PROTOS_ROOT HOST:PORT API_KEY CASE
CASE is two_fields (a duplicate variant key and a rollout over 100) or many_fields (a thousand empty
targeting user ids). Decodes the trailing metadata grpc-status-details-bin as google.rpc.Status, and its
google.rpc.BadRequest detail, with python protobuf from stubs of protos/google/rpc. Prints a JSON report;
exits 1 when the call succeeds or sends no grpc-status-details-bin.
"""
import json
import sys

import grpc

from stubs import load

PROTOS, TARGET, API_KEY, CASE = sys.argv[1:5]
# targeting and audit are imported by experiment and experiment_service: compiled with them so that they import.
(status_pb, _), (details_pb, _), (kpi_pb, _), _, _, (experiment_pb, _), (service_pb, service_rpc) = load(
    PROTOS, "google/rpc/status.proto", "google/rpc/error_details.proto", "experiments/v1/kpi.proto",
    "experiments/v1/targeting.proto", "experiments/v1/audit.proto", "experiments/v1/experiment.proto",
    "experiments/v1/experiment_service.proto")


def experiment():
    definition = experiment_pb.Experiment(
        flag_key="place-order-engine",
        randomization_unit=experiment_pb.RANDOMIZATION_UNIT_USER,
        rollout_percent=10,
        minimum_detectable_effect=0.02,
        variants=[experiment_pb.Variant(key="control", weight=50, is_control=True),
                  experiment_pb.Variant(key="fast-engine", weight=50)],
        kpis=[kpi_pb.Kpi(key="p99", kind=kpi_pb.KPI_KIND_LATENCY_P99, role=kpi_pb.KPI_ROLE_PRIMARY)])
    if CASE == "two_fields":
        definition.variants[1].key = "control"
        definition.rollout_percent = 150
    elif CASE == "many_fields":
        definition.targeting.user_ids.extend([""] * 1000)
    else:
        raise SystemExit(f"unknown case {CASE}")
    return definition


def main():
    with grpc.insecure_channel(TARGET) as channel:
        stub = service_rpc.ExperimentAdminStub(channel)
        try:
            stub.CreateExperiment(service_pb.CreateExperimentRequest(experiment=experiment()),
                                  metadata=[("authorization", "Bearer " + API_KEY)], timeout=30)
        except grpc.RpcError as error:
            return report(error)
    print("the call succeeded")
    return 1


def report(error):
    result = {"code": error.code().value[0], "message": error.details()}
    trailer = [value for key, value in error.trailing_metadata() or () if key == "grpc-status-details-bin"]
    if not trailer:
        result["failure"] = "no grpc-status-details-bin in the trailing metadata"
        print(json.dumps(result))
        return 1
    status = status_pb.Status.FromString(trailer[0])
    result["status"] = {"code": status.code, "message": status.message, "detail_types": [d.type_url for d in status.details]}
    violations = []
    for detail in status.details:
        if detail.Is(details_pb.BadRequest.DESCRIPTOR):
            bad_request = details_pb.BadRequest()
            detail.Unpack(bad_request)
            violations.extend({"field": v.field, "description": v.description} for v in bad_request.field_violations)
    result["field_violations"] = violations
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
