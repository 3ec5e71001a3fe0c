"""A grpcio client for the SDK's interceptor tests: makes the calls it is given, one after another, and reports each.

Usage: sdk_grpc_calls.py PROTOS_ROOT HOST:PORT < calls.json
calls.json is a list of {"method", "message", "user", "client", "error_code", "error_message"}; user and client
become the x-user-id and x-client-id metadata when not empty. Prints one JSON object per call:
{"index", "code" (the numeric gRPC status), "details", "messages" (what the server answered)}.
"""
import json
import sys

import grpc

from stubs import load

PROTOS, TARGET = sys.argv[1], sys.argv[2]
[(pb, rpc)] = load(PROTOS, "experiments/testing/v1/echo.proto")


def request(call):
    message = pb.EchoRequest(message=call["message"], count=2)
    if call.get("error_code"):
        message.error.code = call["error_code"]
        message.error.message = call.get("error_message", "")
    return message


def invoke(stub, call, metadata):
    method = call["method"]
    if method == "Echo":
        return [stub.Echo(request(call), metadata=metadata, timeout=30).message]
    if method == "ExpandEcho":
        return [r.message for r in stub.ExpandEcho(request(call), metadata=metadata, timeout=30)]
    if method == "CollectEcho":
        return [stub.CollectEcho(iter([request(call), request(call)]), metadata=metadata, timeout=30).message]
    if method == "StreamEcho":
        return [r.message for r in stub.StreamEcho(iter([request(call), request(call)]), metadata=metadata, timeout=30)]
    raise ValueError(f"unknown method {method}")


def main():
    calls = json.load(sys.stdin)
    with grpc.insecure_channel(TARGET) as channel:
        stub = rpc.EchoServiceStub(channel)
        for index, call in enumerate(calls):
            metadata = [(key, call[name]) for key, name in (("x-user-id", "user"), ("x-client-id", "client")) if call.get(name)]
            try:
                messages = invoke(stub, call, metadata)
                result = {"index": index, "code": grpc.StatusCode.OK.value[0], "details": "", "messages": messages}
            except grpc.RpcError as error:
                result = {"index": index, "code": error.code().value[0], "details": error.details() or "", "messages": []}
            print(json.dumps(result), flush=True)


main()
