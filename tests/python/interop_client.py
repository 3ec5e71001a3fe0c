"""A grpcio client that runs one interop case (grpc/grpc doc/interop-test-descriptions.md) against a server.

Usage: interop_client.py PROTOS_ROOT HOST:PORT CASE
Exits 0 when the case passes; otherwise prints what went wrong and exits 1.
"""
import sys
import threading

import grpc

from stubs import load

PROTOS, TARGET, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
[(pb, rpc)] = load(PROTOS, "experiments/testing/v1/interop.proto")
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001F608\t\n"


def payload(size):
    return pb.Payload(body=b"\0" * size)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_status(error, code, details=None):
    expect(error.code() == code, f"expected {code}, got {error.code()}: {error.details()!r}")
    if details is not None:
        expect(error.details() == details, f"expected details {details!r}, got {error.details()!r}")


def expect_failure(call, code, details=None):
    try:
        call()
    except grpc.RpcError as error:
        expect_status(error, code, details)
        return error
    raise AssertionError(f"expected {code}, the call succeeded")


def empty_unary(stub, channel):
    expect(stub.EmptyCall(pb.Empty(), timeout=10) == pb.Empty(), "EmptyCall answered a non-empty message")


def large_unary(stub, channel):
    response = stub.UnaryCall(pb.SimpleRequest(response_size=314159, payload=payload(271828)), timeout=10)
    expect(len(response.payload.body) == 314159, f"payload of {len(response.payload.body)} bytes")


def client_streaming(stub, channel):
    sizes = [27182, 8, 1828, 45904]
    response = stub.StreamingInputCall(iter(pb.StreamingInputCallRequest(payload=payload(s)) for s in sizes), timeout=10)
    expect(response.aggregated_payload_size == 74922, f"aggregated {response.aggregated_payload_size}")


def server_streaming(stub, channel):
    sizes = [31415, 9, 2653, 58979]
    request = pb.StreamingOutputCallRequest(response_parameters=[pb.ResponseParameters(size=s) for s in sizes])
    got = [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=10)]
    expect(got == sizes, f"response sizes {got}")


class Requests:
    """A request iterator the test feeds one message at a time (for ping-pong and cancellation)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._items = []
        self._done = False

    def send(self, item):
        with self._cond:
            self._items.append(item)
            self._cond.notify()

    def close(self):
        with self._cond:
            self._done = True
            self._cond.notify()

    def __iter__(self):
        return self

    def __next__(self):
        with self._cond:
            while not self._items and not self._done:
                self._cond.wait()
            if self._items:
                return self._items.pop(0)
            raise StopIteration


def ping_pong(stub, channel):
    requests = Requests()
    responses = stub.FullDuplexCall(requests, timeout=10)
    for request_size, response_size in zip([27182, 8, 1828, 45904], [31415, 9, 2653, 58979]):
        requests.send(pb.StreamingOutputCallRequest(
            response_parameters=[pb.ResponseParameters(size=response_size)], payload=payload(request_size)))
        response = next(responses)
        expect(len(response.payload.body) == response_size, f"response of {len(response.payload.body)} bytes")
    requests.close()
    expect(next(responses, None) is None, "a response after the request stream ended")


def empty_stream(stub, channel):
    expect(list(stub.FullDuplexCall(iter([]), timeout=10)) == [], "responses to an empty stream")


def custom_metadata(stub, channel):
    initial = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
    trailing = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
    response, call = stub.UnaryCall.with_call(
        pb.SimpleRequest(response_size=314159, payload=payload(271828)), metadata=[initial, trailing], timeout=10)
    expect(len(response.payload.body) == 314159, "unary payload size")
    expect(initial in call.initial_metadata(), f"unary initial metadata {call.initial_metadata()}")
    expect(trailing in call.trailing_metadata(), f"unary trailing metadata {call.trailing_metadata()}")

    request = pb.StreamingOutputCallRequest(response_parameters=[pb.ResponseParameters(size=314159)], payload=payload(271828))
    call = stub.FullDuplexCall(iter([request]), metadata=[initial, trailing], timeout=10)
    sizes = [len(r.payload.body) for r in call]
    expect(sizes == [314159], f"duplex sizes {sizes}")
    expect(initial in call.initial_metadata(), f"duplex initial metadata {call.initial_metadata()}")
    expect(trailing in call.trailing_metadata(), f"duplex trailing metadata {call.trailing_metadata()}")


def _status_case(stub, message):
    status = pb.EchoStatus(code=2, message=message)
    expect_failure(lambda: stub.UnaryCall(pb.SimpleRequest(response_status=status), timeout=10), grpc.StatusCode.UNKNOWN, message)
    request = pb.StreamingOutputCallRequest(response_status=status)
    expect_failure(lambda: list(stub.FullDuplexCall(iter([request]), timeout=10)), grpc.StatusCode.UNKNOWN, message)


def status_code_and_message(stub, channel):
    _status_case(stub, "test status message")


def special_status_message(stub, channel):
    _status_case(stub, SPECIAL_MESSAGE)


def unimplemented_method(stub, channel):
    call = channel.unary_unary("/experiments.testing.v1.InteropTestService/UnimplementedCall",
                               request_serializer=pb.Empty.SerializeToString, response_deserializer=pb.Empty.FromString)
    expect_failure(lambda: call(pb.Empty(), timeout=10), grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(stub, channel):
    other = rpc.UnimplementedServiceStub(channel)
    expect_failure(lambda: other.UnimplementedCall(pb.Empty(), timeout=10), grpc.StatusCode.UNIMPLEMENTED)


def cancel_after_begin(stub, channel):
    requests = Requests()
    future = stub.StreamingInputCall.future(requests, timeout=10)
    future.cancel()
    expect(future.cancelled(), "the call was not cancelled")
    expect(future.code() == grpc.StatusCode.CANCELLED, f"status {future.code()}")
    requests.close()


def cancel_after_first_response(stub, channel):
    requests = Requests()
    responses = stub.FullDuplexCall(requests, timeout=10)
    requests.send(pb.StreamingOutputCallRequest(response_parameters=[pb.ResponseParameters(size=31415)], payload=payload(27182)))
    expect(len(next(responses).payload.body) == 31415, "first response size")
    responses.cancel()
    expect_failure(lambda: next(responses), grpc.StatusCode.CANCELLED)
    requests.close()


def timeout_on_sleeping_server(stub, channel):
    requests = Requests()
    responses = stub.FullDuplexCall(requests, timeout=0.001)
    requests.send(pb.StreamingOutputCallRequest(payload=payload(27182)))
    expect_failure(lambda: next(responses), grpc.StatusCode.DEADLINE_EXCEEDED)
    requests.close()


def client_compressed_unary(stub, channel):
    probe = pb.SimpleRequest(response_size=314159, payload=payload(271828), expect_compressed=True)
    expect_failure(lambda: stub.UnaryCall(probe, timeout=10), grpc.StatusCode.INVALID_ARGUMENT)
    for compressed in (True, False):
        request = pb.SimpleRequest(response_size=314159, payload=payload(271828), expect_compressed=compressed)
        compression = grpc.Compression.Gzip if compressed else grpc.Compression.NoCompression
        response = stub.UnaryCall(request, compression=compression, timeout=10)
        expect(len(response.payload.body) == 314159, "payload size")


def server_compressed_unary(stub, channel):
    for compressed in (True, False):
        request = pb.SimpleRequest(response_size=314159, payload=payload(271828), response_compressed=compressed)
        response = stub.UnaryCall(request, timeout=10)
        expect(len(response.payload.body) == 314159, "payload size")


def client_compressed_streaming(stub, channel):
    requests = [pb.StreamingInputCallRequest(payload=payload(27182), expect_compressed=True),
                pb.StreamingInputCallRequest(payload=payload(45904), expect_compressed=True)]
    response = stub.StreamingInputCall(iter(requests), compression=grpc.Compression.Gzip, timeout=10)
    expect(response.aggregated_payload_size == 73086, f"aggregated {response.aggregated_payload_size}")


def server_compressed_streaming(stub, channel):
    request = pb.StreamingOutputCallRequest(response_parameters=[
        pb.ResponseParameters(size=31415, compressed=True), pb.ResponseParameters(size=92653, compressed=False)])
    got = [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=10)]
    expect(got == [31415, 92653], f"response sizes {got}")


if __name__ == "__main__":
    with grpc.insecure_channel(TARGET) as channel:
        case = globals().get(CASE)
        if case is None:
            print(f"unknown case {CASE}")
            sys.exit(2)
        try:
            case(rpc.InteropTestServiceStub(channel), channel)
        except Exception as error:  # report any failure, with its type, to the C# test
            print(f"{CASE} failed: {type(error).__name__}: {error}")
            sys.exit(1)
    print(f"{CASE} passed")
