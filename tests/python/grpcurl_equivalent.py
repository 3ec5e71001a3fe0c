"""A stand-in for grpcurl (not installable here): takes a grpcurl command line and does what grpcurl does with it, with
grpcio.

Usage: grpcurl_equivalent.py [-plaintext] [-H 'name: value']... [-d DATA] HOST:PORT (list [SERVICE] | describe SYMBOL
       | pkg.Service/Method)
As grpcurl does, it learns the server's services and message types by server reflection (grpc.reflection.v1alpha);
when EXP_PROTOS_ROOT is set, method calls use every experiments/v1/*.proto under it instead, compiled at start (for
servers without reflection). -d holds one JSON object, or for a client or bidirectional stream a sequence of JSON
objects separated by whitespace; header names are lower-cased; a "-bin" header's value is base64 and is sent as bytes.
The responses are printed as JSON, one object per message; a failed call prints "ERROR:\n  Code: NAME\n  Message: ..."
and exits 1, as grpcurl does.
"""
import base64
import glob
import json
import os
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

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
    if len(positional) < 2 or (positional[1] not in ("list", "describe") and len(positional) != 2):
        raise SystemExit(f"grpcurl_equivalent: expected HOST:PORT and list, describe or a method, got {positional}")
    return plaintext, headers, data, positional[0], positional[1:]


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


# GetMessageClass is protobuf >= 4.21.?; older ones (Debian's) build classes with a MessageFactory.
def message_class(descriptor, pool=None):
    modern = getattr(message_factory, "GetMessageClass", None)
    return modern(descriptor) if modern else message_factory.MessageFactory(pool).GetPrototype(descriptor)


def protos_root():
    root = os.environ.get("EXP_PROTOS_ROOT")
    if root:
        return root
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "protos")


class Reflection:
    """The server's own description of its services, as grpcurl reads it."""

    def __init__(self, channel, call_metadata):
        [(self.pb, rpc)] = load(protos_root(), "grpc/reflection/v1alpha/reflection.proto")
        self.stub = rpc.ServerReflectionStub(channel)
        self.metadata = call_metadata

    def ask(self, **request):
        [answer] = list(self.stub.ServerReflectionInfo(iter([self.pb.ServerReflectionRequest(**request)]), metadata=self.metadata, timeout=30))
        if answer.WhichOneof("message_response") == "error_response":
            raise LookupError(answer.error_response.error_message or f"reflection found nothing for {request}")
        return answer

    def services(self):
        return sorted(s.name for s in self.ask(list_services="").list_services_response.service)

    def pool(self, symbol):
        """A descriptor pool holding the file that declares symbol and every file it imports."""
        files, queue = {}, list(self.ask(file_containing_symbol=symbol).file_descriptor_response.file_descriptor_proto)
        while queue:
            proto = descriptor_pb2.FileDescriptorProto.FromString(queue.pop())
            if proto.name in files:
                continue
            files[proto.name] = proto
            for dependency in proto.dependency:
                if dependency not in files:
                    queue.extend(self.ask(file_by_filename=dependency).file_descriptor_response.file_descriptor_proto)
        pool, added = descriptor_pool.DescriptorPool(), set()

        def add(name):
            if name in added:
                return
            added.add(name)
            for dependency in files[name].dependency:
                add(dependency)
            pool.AddSerializedFile(files[name].SerializeToString())

        for name in files:
            add(name)
        return pool


def describe(pool, symbol):
    try:
        service = pool.FindServiceByName(symbol)
    except KeyError:
        message = pool.FindMessageTypeByName(symbol)
        fields = "".join(f"  {f.name} = {f.number};\n" for f in message.fields)
        return f"{symbol} is a message:\nmessage {message.name} {{\n{fields}}}"
    methods = "".join(
        f"  rpc {m.name} ( {'stream ' if m.client_streaming else ''}.{m.input_type.full_name} ) returns "
        f"( {'stream ' if m.server_streaming else ''}.{m.output_type.full_name} );\n" for m in service.methods)
    return f"{symbol} is a service:\nservice {service.name} {{\n{methods}}}"


def method_descriptor(channel, call_metadata, method):
    service_name, _, method_name = method.partition("/")
    if os.environ.get("EXP_PROTOS_ROOT"):
        root = os.environ["EXP_PROTOS_ROOT"]
        load(root, *sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "experiments", "v1", "*.proto"))))
        return descriptor_pool.Default().FindServiceByName(service_name).FindMethodByName(method_name), descriptor_pool.Default()
    pool = Reflection(channel, call_metadata).pool(service_name)
    return pool.FindServiceByName(service_name).FindMethodByName(method_name), pool


def call(channel, call_metadata, method, data):
    descriptor, pool = method_descriptor(channel, call_metadata, method)
    request_type = message_class(descriptor.input_type, pool)
    response_type = message_class(descriptor.output_type, pool)
    requests = [json_format.ParseDict(o, request_type(), descriptor_pool=pool) for o in json_objects(data or "")]
    if not descriptor.client_streaming and len(requests) != 1:
        raise SystemExit(f"grpcurl_equivalent: a unary request needs exactly one message, got {len(requests)}")
    path = f"/{descriptor.containing_service.full_name}/{descriptor.name}"
    kwargs = dict(request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_type.FromString)
    if descriptor.client_streaming and descriptor.server_streaming:
        return channel.stream_stream(path, **kwargs)(iter(requests), metadata=call_metadata, timeout=30), pool
    if descriptor.client_streaming:
        return [channel.stream_unary(path, **kwargs)(iter(requests), metadata=call_metadata, timeout=30)], pool
    if descriptor.server_streaming:
        return channel.unary_stream(path, **kwargs)(requests[0], metadata=call_metadata, timeout=30), pool
    return [channel.unary_unary(path, **kwargs)(requests[0], metadata=call_metadata, timeout=30)], pool


def main():
    plaintext, headers, data, address, command = parse(sys.argv[1:])
    channel = grpc.insecure_channel(address) if plaintext else grpc.secure_channel(address, grpc.ssl_channel_credentials())
    call_metadata = metadata(headers)
    try:
        if command[0] == "list":
            reflection = Reflection(channel, call_metadata)
            if len(command) == 1:
                print("\n".join(reflection.services()))
            else:
                service = reflection.pool(command[1]).FindServiceByName(command[1])
                print("\n".join(f"{service.full_name}.{m.name}" for m in service.methods))
            return 0
        if command[0] == "describe":
            for symbol in command[1:] or Reflection(channel, call_metadata).services():
                print(describe(Reflection(channel, call_metadata).pool(symbol), symbol))
            return 0
        responses, pool = call(channel, call_metadata, command[0], data)
        # Printed as they arrive: a server stream may last until the caller stops it.
        for response in responses:
            print(json_format.MessageToJson(response, descriptor_pool=pool), flush=True)
        return 0
    except grpc.RpcError as error:
        print(f"ERROR:\n  Code: {error.code().name}\n  Message: {error.details()}", file=sys.stderr)
        return 1
    except LookupError as error:
        print(f"Failed to resolve symbol: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
