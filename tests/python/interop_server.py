"""A grpcio server implementing the interop test service, for our client to call.

Usage: interop_server.py PROTOS_ROOT
Prints the port it listens on (127.0.0.1) and serves until its standard input closes.
"""
import sys
import time
from concurrent import futures

import grpc

from stubs import load

[(pb, rpc)] = load(sys.argv[1], "experiments/testing/v1/interop.proto")
CODES = {code.value[0]: code for code in grpc.StatusCode}
ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def echo_metadata(context):
    metadata = dict(context.invocation_metadata())
    if ECHO_INITIAL in metadata:
        context.send_initial_metadata([(ECHO_INITIAL, metadata[ECHO_INITIAL])])
    if ECHO_TRAILING in metadata:
        context.set_trailing_metadata([(ECHO_TRAILING, metadata[ECHO_TRAILING])])


def abort_if_requested(status, context):
    if status.code != 0:
        context.abort(CODES[status.code], status.message)


def zeros(size):
    return pb.Payload(body=b"\0" * size)


class InteropService(rpc.InteropTestServiceServicer):
    def EmptyCall(self, request, context):
        return pb.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        abort_if_requested(request.response_status, context)
        if request.response_compressed:
            context.set_compression(grpc.Compression.Gzip)
        return pb.SimpleResponse(payload=zeros(request.response_size))

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        yield from self._respond(request, context)

    def StreamingInputCall(self, request_iterator, context):
        return pb.StreamingInputCallResponse(
            aggregated_payload_size=sum(len(r.payload.body) for r in request_iterator))

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in request_iterator:
            yield from self._respond(request, context)

    def _respond(self, request, context):
        abort_if_requested(request.response_status, context)
        if any(p.compressed for p in request.response_parameters):
            context.set_compression(grpc.Compression.Gzip)
        for parameters in request.response_parameters:
            if parameters.interval_us:
                time.sleep(parameters.interval_us / 1e6)
            if not parameters.compressed:
                context.disable_next_message_compression()
            yield pb.StreamingOutputCallResponse(payload=zeros(parameters.size))


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_InteropTestServiceServicer_to_server(InteropService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()  # serve until the test closes our standard input
    server.stop(grace=1)


if __name__ == "__main__":
    main()
