"""Generates Python message and stub modules from the repository's protos into a temporary folder."""
import importlib
import os
import sys
import tempfile

from grpc_tools import protoc
import grpc_tools


def load(protos_root, *proto_files):
    """Compiles the given .proto files (paths relative to protos_root) and returns their pb2 and pb2_grpc modules."""
    out = tempfile.mkdtemp(prefix="exp-stubs-")
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", f"-I{protos_root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *[os.path.join(protos_root, p) for p in proto_files]]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed for {proto_files}")
    sys.path.insert(0, out)
    modules = []
    for proto in proto_files:
        name = proto[: -len(".proto")].replace("/", ".")
        modules.append((importlib.import_module(name + "_pb2"), importlib.import_module(name + "_pb2_grpc")))
    return modules
