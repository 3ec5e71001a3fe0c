using Experiments.Grpc.Server;
using Grpc.Reflection.V1Alpha;

namespace Experiments.Grpc.Reflection;

/// <summary>grpc.reflection.v1alpha.ServerReflection, the version older clients such as grpcurl still ask first (grpc/grpc doc/server-reflection.md).</summary>
public sealed class ReflectionServiceV1Alpha(GrpcServiceRegistry registry)
{
    private readonly ReflectionIndex _index = new(registry);

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<ServerReflectionRequest> requestStream,
        IServerStreamWriter<ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(Answer(requestStream.Current)).ConfigureAwait(false);
        }
    }

    private ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                list.Service.AddRange(_index.ServiceNames.Select(name => new ServiceResponse { Name = name }));
                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFiles(response, _index.FileByName(request.FileByFilename), $"File '{request.FileByFilename}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFiles(response, _index.FileContainingSymbol(request.FileContainingSymbol), $"Symbol '{request.FileContainingSymbol}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType when _index.IsMessageType(request.AllExtensionNumbersOfType):
                // None of our protos declares extensions.
                response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                SetError(response, StatusCode.NotFound, $"Type '{request.AllExtensionNumbersOfType}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                SetError(response, StatusCode.NotFound, $"Extension {request.FileContainingExtension.ExtensionNumber} of '{request.FileContainingExtension.ContainingType}' not found.");
                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The reflection request names no question.");
                break;
        }
        return response;
    }

    private static void SetFiles(ServerReflectionResponse response, IReadOnlyList<Google.Protobuf.ByteString>? files, string notFound)
    {
        if (files is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }
        var descriptors = new FileDescriptorResponse();
        descriptors.FileDescriptorProto.AddRange(files);
        response.FileDescriptorResponse = descriptors;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
