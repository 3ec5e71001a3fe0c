"""Generates Python message and stub modules from the repository's protos into a temporary folder."""
import glob
import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
import types

from grpc_tools import protoc
import grpc_tools


# The standard protos (grpc.health, grpc.reflection, google.rpc) are not part of the product's contracts: grpc-dotnet
# apps get them from packages. Python has no such package here, so the test peer keeps its own copies beside it.
STANDARD_PROTOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protos")
if not os.path.isdir(STANDARD_PROTOS):
    # Scripts run from a test project's output folder, a copy: the repository's tests/python/protos serves.
    STANDARD_PROTOS = None


def _google_api_protos():
    """google/api/annotations.proto and http.proto, which the product's protos import for their HTTP rules: the NuGet
    package Google.Api.CommonProtos that the .NET build restores ships them."""
    packages = os.environ.get("NUGET_PACKAGES") or os.path.expanduser("~/.nuget/packages")
    versions = sorted(glob.glob(os.path.join(packages, "google.api.commonprotos", "*", "content", "protos")))
    if not versions:
        raise RuntimeError(f"Google.Api.CommonProtos not found under {packages}: run dotnet restore first")
    return versions[-1]


def _register_google_api(out):
    """Compiles google/api at its own path and registers the modules as google.api.*: the protobuf package owns the
    google namespace, so generated code that says `from google.api import annotations_pb2` must find them there."""
    root = _google_api_protos()
    files = [os.path.join(root, "google", "api", name) for name in ("http.proto", "annotations.proto")]
    target = os.path.join(out, "gapi")
    os.makedirs(target, exist_ok=True)
    if protoc.main(["protoc", f"-I{root}", f"-I{os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')}", f"--python_out={target}", *files]) != 0:
        raise RuntimeError("protoc failed for google/api")
    package = types.ModuleType("google.api")
    package.__path__ = []
    sys.modules["google.api"] = package
    for name in ("http_pb2", "annotations_pb2"):
        spec = importlib.util.spec_from_file_location(f"google.api.{name}", os.path.join(target, "google", "api", name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[f"google.api.{name}"] = module
        spec.loader.exec_module(module)
        setattr(package, name, module)
    return root


_GOOGLE_API_ROOT = None


def _google_api(out):
    global _GOOGLE_API_ROOT
    if _GOOGLE_API_ROOT is None:
        _GOOGLE_API_ROOT = _register_google_api(out)
    return _GOOGLE_API_ROOT


def load(protos_root, *proto_files):
    """Compiles the given .proto files (paths relative to protos_root, or for grpc/ and google/ files to the standard
    protos folder) and returns their pb2 and pb2_grpc modules.

    Files under grpc/ are staged under grpcstd/ first, and files under google/ under googlestd/: their
    generated modules would otherwise be named grpc.* and google.*, which the grpcio and protobuf packages
    (and googleapis-common-protos, where installed) own. The file path does not reach the wire; package,
    message and service names do, and those are unchanged.
    """
    standard = STANDARD_PROTOS or os.path.join(protos_root, "..", "tests", "python", "protos")
    out = tempfile.mkdtemp(prefix="exp-stubs-")
    staged = os.path.join(out, "protos")
    sources = []
    for proto in proto_files:
        top, _, rest = proto.partition("/")
        target = f"{top}std/{rest}" if top in ("grpc", "google") else proto
        os.makedirs(os.path.dirname(os.path.join(staged, target)), exist_ok=True)
        root = standard if top in ("grpc", "google") else protos_root
        shutil.copyfile(os.path.join(root, proto), os.path.join(staged, target))
        sources.append(target)
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    google_api = _google_api(out)
    args = ["protoc", f"-I{staged}", f"-I{protos_root}", f"-I{include}", f"-I{google_api}", f"--python_out={out}", f"--grpc_python_out={out}",
            *[os.path.join(staged, s) for s in sources]]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed for {proto_files}")
    sys.path.insert(0, out)
    modules = []
    for source in sources:
        name = source[: -len(".proto")].replace("/", ".")
        modules.append((importlib.import_module(name + "_pb2"), importlib.import_module(name + "_pb2_grpc")))
    return modules
