"""A stand-in for grpcurl (not installable here) that takes the command line `exp traffic export --format grpcurl`
writes, the way grpcurl reads it, and makes the call with grpcio.

Usage: grpcurl_equivalent.py [-plaintext] [-H 'name: value']... [-d DATA] HOST:PORT pkg.Service/Method
The protos are compiled at start from EXP_PROTOS_ROOT (every experiments/v1/*.proto; grpcurl would ask the server by
reflection instead). As grpcurl does: -d holds one JSON object, or for a client or bidirectional stream a sequence of
JSON objects separated by whitespace; header names are lower-cased; a "-bin" header's value is base64 and is sent as
bytes. The responses are printed as JSON, one object per message; a failed call prints
"ERROR:\n  Code: NAME\n  Message: ..." and exits 1, as grpcurl does.
"""
import base64
import glob
import json
import os
import sys

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory

from stubs import load


def parse(argv):
    plaintext, headers, data, positional = False, [], None, []
    args = iter(argv)
    for arg in args:
        if arg in ("-plaintext", "--plaintext"):
            plaintext = True
        elif arg in ("-H", "--H", "-rpc-header", "--rpc-header"):
            headers.append(next(args))
        elif arg in ("-d", "--d"):
            data = next(args)
        elif arg.startswith("-"):
            raise SystemExit(f"grpcurl_equivalent: unsupported flag {arg}")
        else:
            positional.append(arg)
    if len(positional) != 2:
        raise SystemExit(f"grpcurl_equivalent: expected HOST:PORT and a method, got {positional}")
    return plaintext, headers, data, positional[0], positional[1]


def metadata(headers):
    pairs = []
    for header in headers:
        name, _, value = header.partition(":")
        name, value = name.strip().lower(), value.strip()
        pairs.append((name, base64.b64decode(value) if name.endswith("-bin") else value))
    return pairs


def json_objects(data):
    """The JSON objects of -d: grpcurl reads a stream of them, separated by whitespace."""
    decoder, objects, index = json.JSONDecoder(), [], 0
    while True:
        while index < len(data) and data[index].isspace():
            index += 1
        if index >= len(data):
            return objects
        value, index = decoder.raw_decode(data, index)
        objects.append(value)


def main():
    plaintext, headers, data, address, method = parse(sys.argv[1:])
    root = os.environ["EXP_PROTOS_ROOT"]
    files = sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "experiments", "v1", "*.proto")))
    load(root, *files)
    service_name, _, method_name = method.partition("/")
    descriptor = descriptor_pool.Default().FindServiceByName(service_name).FindMethodByName(method_name)
    # GetMessageClass is protobuf >= 4.21; older ones (Debian's) build classes with a MessageFactory.
    message_class = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory().GetPrototype
    request_type = message_class(descriptor.input_type)
    response_type = message_class(descriptor.output_type)
    requests = [json_format.ParseDict(o, request_type()) for o in json_objects(data or "")]
    if not descriptor.client_streaming and len(requests) != 1:
        raise SystemExit(f"grpcurl_equivalent: a unary request needs exactly one message, got {len(requests)}")
    channel = grpc.insecure_channel(address) if plaintext else grpc.secure_channel(address, grpc.ssl_channel_credentials())
    path = f"/{service_name}/{method_name}"
    kwargs = dict(request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_type.FromString)
    call_metadata = metadata(headers)
    try:
        if descriptor.client_streaming and descriptor.server_streaming:
            responses = list(channel.stream_stream(path, **kwargs)(iter(requests), metadata=call_metadata, timeout=30))
        elif descriptor.client_streaming:
            responses = [channel.stream_unary(path, **kwargs)(iter(requests), metadata=call_metadata, timeout=30)]
        elif descriptor.server_streaming:
            responses = list(channel.unary_stream(path, **kwargs)(requests[0], metadata=call_metadata, timeout=30))
        else:
            responses = [channel.unary_unary(path, **kwargs)(requests[0], metadata=call_metadata, timeout=30)]
    except grpc.RpcError as error:
        print(f"ERROR:\n  Code: {error.code().name}\n  Message: {error.details()}", file=sys.stderr)
        return 1
    for response in responses:
        print(json_format.MessageToJson(response))
    return 0


if __name__ == "__main__":
    sys.exit(main())
