"""Checks a running gRPC server the way a stranger would, knowing only the standard health and reflection protos.

Usage: health_reflection_probe.py PROTOS_ROOT HOST:PORT [--key=API_KEY] [EXPECTED_SERVICE ...]
Lists services with reflection (v1 and v1alpha), fetches each service's file descriptor, asks health for
each one and for the server as a whole, calls an unknown method, and calls every unary method it found with an
empty request (with the API key, when given): each must answer with a status that names what is wrong (or OK),
never UNIMPLEMENTED, UNKNOWN, INTERNAL or a hang. Prints a JSON report; exits 1 when a check fails.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2

from stubs import load

PROTOS, TARGET = sys.argv[1], sys.argv[2]
KEYS = [a[len("--key="):] for a in sys.argv[3:] if a.startswith("--key=")]
EXPECTED = [a for a in sys.argv[3:] if not a.startswith("--key=")]
# An empty request is wrong for most methods; these statuses say so. The others would mean the method is missing,
# crashed, or never answered.
IMPROPER = {grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED}
(health_pb, health_rpc), (refl_pb, refl_rpc), (alpha_pb, alpha_rpc) = load(
    PROTOS, "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto")


def reflect(stub, module, requests):
    return list(stub.ServerReflectionInfo(iter(requests), timeout=10))


def main():
    report = {"failures": []}
    fail = report["failures"].append
    with grpc.insecure_channel(TARGET) as channel:
        for name, module, stub in (("v1", refl_pb, refl_rpc.ServerReflectionStub(channel)),
                                   ("v1alpha", alpha_pb, alpha_rpc.ServerReflectionStub(channel))):
            [listing] = reflect(stub, module, [module.ServerReflectionRequest(list_services="")])
            services = sorted(s.name for s in listing.list_services_response.service)
            report[f"services_{name}"] = services
            for service in services:
                [answer] = reflect(stub, module, [module.ServerReflectionRequest(file_containing_symbol=service)])
                if answer.WhichOneof("message_response") != "file_descriptor_response":
                    fail(f"{name}: no file for {service}: {answer}")
                    continue
                files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in answer.file_descriptor_response.file_descriptor_proto]
                declared = {f"{f.package}.{s.name}": s for f in files for s in f.service}
                if service not in declared:
                    fail(f"{name}: the files returned for {service} do not declare it")
                elif name == "v1":
                    report.setdefault("unary_methods", {}).update({
                        f"/{service}/{m.name}": None for m in declared[service].method
                        if not m.client_streaming and not m.server_streaming})
            [missing] = reflect(stub, module, [module.ServerReflectionRequest(file_containing_symbol="no.such.Symbol")])
            if missing.WhichOneof("message_response") != "error_response" or missing.error_response.error_code != grpc.StatusCode.NOT_FOUND.value[0]:
                fail(f"{name}: an unknown symbol did not give NOT_FOUND: {missing}")
        for service in EXPECTED:
            if service not in report["services_v1"]:
                fail(f"reflection does not list {service}")

        health = health_rpc.HealthStub(channel)
        report["health"] = {}
        for service in [""] + report["services_v1"]:
            status = health.Check(health_pb.HealthCheckRequest(service=service), timeout=10).status
            report["health"][service] = health_pb.HealthCheckResponse.ServingStatus.Name(status)
            if status != health_pb.HealthCheckResponse.SERVING:
                fail(f"health of '{service}' is {report['health'][service]}")
        try:
            health.Check(health_pb.HealthCheckRequest(service="no.such.Service"), timeout=10)
            fail("health of an unknown service did not fail")
        except grpc.RpcError as error:
            report["health_unknown"] = error.code().name
            if error.code() != grpc.StatusCode.NOT_FOUND:
                fail(f"health of an unknown service gave {error.code()}")
        watch = health.Watch(health_pb.HealthCheckRequest(service=""), timeout=10)
        first = next(watch)
        watch.cancel()
        if first.status != health_pb.HealthCheckResponse.SERVING:
            fail(f"health Watch first sent {first.status}")

        unknown = channel.unary_unary("/grpc.health.v1.Health/NoSuchMethod")
        try:
            unknown(b"", timeout=10)
            fail("an unknown method succeeded")
        except grpc.RpcError as error:
            report["unknown_method"] = error.code().name
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                fail(f"an unknown method gave {error.code()}")
        metadata = [("authorization", "Bearer " + KEYS[0])] if KEYS else []
        for path in report.get("unary_methods", {}):
            if path.startswith("/grpc.reflection."):
                continue
            try:
                channel.unary_unary(path)(b"", timeout=10, metadata=metadata)
                code = grpc.StatusCode.OK
            except grpc.RpcError as error:
                code = error.code()
            report["unary_methods"][path] = code.name
            if code in IMPROPER:
                fail(f"{path} answered an empty request with {code.name}")
    print(json.dumps(report))
    sys.exit(1 if report["failures"] else 0)


if __name__ == "__main__":
    main()
