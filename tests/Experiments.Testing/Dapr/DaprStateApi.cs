using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Testing.Dapr;

/// <summary>
/// The state and publish methods of <c>dapr.proto.runtime.v1.Dapr</c> as daprd serves them, bound by hand over the
/// messages of Dapr.Protos (the package ships the client only): grpc-dotnet binds the public methods below by the
/// RPC names (virtual, as on a generated base class, which is what the binder looks for). Methods not here answer UNIMPLEMENTED, as an older daprd would.
/// </summary>
[BindServiceMethod(typeof(DaprStateApi), nameof(BindService))]
public class DaprStateApi(DaprSidecarDouble sidecar)
{
    private const string Service = "dapr.proto.runtime.v1.Dapr";

    public static void BindService(ServiceBinderBase binder, DaprStateApi? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(Unary(GetStateRequest.Parser, GetStateResponse.Parser, nameof(GetState)), (UnaryServerMethod<GetStateRequest, GetStateResponse>)null!);
        binder.AddMethod(Unary(GetBulkStateRequest.Parser, GetBulkStateResponse.Parser, nameof(GetBulkState)), (UnaryServerMethod<GetBulkStateRequest, GetBulkStateResponse>)null!);
        binder.AddMethod(Unary(SaveStateRequest.Parser, Empty.Parser, nameof(SaveState)), (UnaryServerMethod<SaveStateRequest, Empty>)null!);
        binder.AddMethod(Unary(ExecuteStateTransactionRequest.Parser, Empty.Parser, nameof(ExecuteStateTransaction)), (UnaryServerMethod<ExecuteStateTransactionRequest, Empty>)null!);
        binder.AddMethod(Unary(PublishEventRequest.Parser, Empty.Parser, nameof(PublishEvent)), (UnaryServerMethod<PublishEventRequest, Empty>)null!);
        binder.AddMethod(Unary(BulkPublishRequest.Parser, BulkPublishResponse.Parser, nameof(BulkPublishEvent)), (UnaryServerMethod<BulkPublishRequest, BulkPublishResponse>)null!);
        binder.AddMethod(Unary(BulkPublishRequest.Parser, BulkPublishResponse.Parser, nameof(BulkPublishEventAlpha1)), (UnaryServerMethod<BulkPublishRequest, BulkPublishResponse>)null!);
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(MessageParser<TRequest> request, MessageParser<TResponse> response, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, Service, name, Marshallers.Create(m => m.ToByteArray(), request.ParseFrom), Marshallers.Create(m => m.ToByteArray(), response.ParseFrom));

    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        sidecar.Record(context, "GetState " + request.StoreName + "/" + request.Key);
        var item = sidecar.Store(request.StoreName).Get(request.Key);
        return Task.FromResult(item is { } found ? new GetStateResponse { Data = found.Value, Etag = found.ETag } : new GetStateResponse());
    }

    public virtual Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        sidecar.Record(context, "GetBulkState " + request.StoreName);
        var store = sidecar.Store(request.StoreName);
        var response = new GetBulkStateResponse();
        foreach (var key in request.Keys)
        {
            var item = store.Get(key);
            response.Items.Add(item is { } found ? new BulkStateItem { Key = key, Data = found.Value, Etag = found.ETag } : new BulkStateItem { Key = key });
        }
        return Task.FromResult(response);
    }

    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        sidecar.Record(context, "SaveState " + request.StoreName + "/" + string.Join(',', request.States.Select(s => s.Key)));
        sidecar.Store(request.StoreName).Write([.. request.States.Select(s => ("upsert", s))], sidecar.FailSaves);
        return Task.FromResult(new Empty());
    }

    public virtual Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context)
    {
        sidecar.Record(context, "ExecuteStateTransaction " + request.StoreName);
        sidecar.Store(request.StoreName).Write([.. request.Operations.Select(o => (o.OperationType, o.Request))], sidecar.FailSaves);
        return Task.FromResult(new Empty());
    }

    public virtual Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        sidecar.Record(context, "PublishEvent " + request.PubsubName + "/" + request.Topic);
        sidecar.Broker.Publish(request.PubsubName, request.Topic, request.Data, request.DataContentType);
        return Task.FromResult(new Empty());
    }

    public virtual Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context)
    {
        sidecar.Record(context, "BulkPublishEvent " + request.PubsubName + "/" + request.Topic);
        var response = new BulkPublishResponse();
        var failing = sidecar.FailNextBulkPublish?.Invoke([.. request.Entries.Select(e => e.EntryId)]) ?? [];
        sidecar.FailNextBulkPublish = null;
        foreach (var entry in request.Entries)
        {
            if (failing.Contains(entry.EntryId))
            {
                response.FailedEntries.Add(new BulkPublishResponseFailedEntry { EntryId = entry.EntryId, Error = "broker unavailable (test)" });
                continue;
            }
            sidecar.Broker.Publish(request.PubsubName, request.Topic, entry.Event, entry.ContentType);
        }
        return Task.FromResult(response);
    }

    public virtual Task<BulkPublishResponse> BulkPublishEventAlpha1(BulkPublishRequest request, ServerCallContext context) => BulkPublishEvent(request, context);
}
