"""Generates Python message and stub modules from the repository's protos into a temporary folder."""
import importlib
import os
import shutil
import sys
import tempfile

from grpc_tools import protoc
import grpc_tools


def load(protos_root, *proto_files):
    """Compiles the given .proto files (paths relative to protos_root) and returns their pb2 and pb2_grpc modules.

    Files under grpc/ are staged under grpcstd/ first, and files under google/ under googlestd/: their
    generated modules would otherwise be named grpc.* and google.*, which the grpcio and protobuf packages
    (and googleapis-common-protos, where installed) own. The file path does not reach the wire; package,
    message and service names do, and those are unchanged.
    """
    out = tempfile.mkdtemp(prefix="exp-stubs-")
    staged = os.path.join(out, "protos")
    sources = []
    for proto in proto_files:
        top, _, rest = proto.partition("/")
        target = f"{top}std/{rest}" if top in ("grpc", "google") else proto
        os.makedirs(os.path.dirname(os.path.join(staged, target)), exist_ok=True)
        shutil.copyfile(os.path.join(protos_root, proto), os.path.join(staged, target))
        sources.append(target)
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", f"-I{staged}", f"-I{protos_root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
            *[os.path.join(staged, s) for s in sources]]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed for {proto_files}")
    sys.path.insert(0, out)
    modules = []
    for source in sources:
        name = source[: -len(".proto")].replace("/", ".")
        modules.append((importlib.import_module(name + "_pb2"), importlib.import_module(name + "_pb2_grpc")))
    return modules
