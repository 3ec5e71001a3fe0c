using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// Local mode: StatisticsIntake.Forward to one statistics replica, for the partitions it owns; one
/// bidirectional stream per session, over one channel. A plain GrpcChannel rather than the client factory: the
/// replicas come from configuration as a list, and the stream lives as long as the session (no retry policy
/// applies to it; the forwarder reconnects from its checkpoint).
/// </summary>
internal sealed class StatisticsIntakeTarget : IForwardTarget, IDisposable
{
    private readonly ForwardingOptions _options;
    private readonly GrpcChannel _channel;
    private readonly StatisticsIntake.StatisticsIntakeClient _client;

    public StatisticsIntakeTarget(ForwardingOptions options, StatisticsReplicaOptions replica)
    {
        _options = options;
        Name = "statistics " + replica.Address;
        Partitions = [.. replica.Partitions.Order()];
        _channel = GrpcChannel.ForAddress(replica.Address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        _client = new StatisticsIntake.StatisticsIntakeClient(_channel);
    }

    public string Name { get; }

    public IReadOnlyList<int> Partitions { get; }

    public IForwardSession CreateSession(string logId, int partitionCount, Action<int, long> confirmed) =>
        new Session(this, logId, partitionCount, confirmed);

    public void Dispose() => _channel.Dispose();

    private sealed class Session(StatisticsIntakeTarget target, string logId, int partitionCount, Action<int, long> confirmed) : IForwardSession
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly TaskCompletionSource _probed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long?[] _probeAnswers = new long?[partitionCount];
        private readonly bool[] _owned = Partitioning.Mask(target.Partitions, partitionCount);
        private AsyncDuplexStreamingCall<ForwardRequest, ForwardResponse>? _call;
        private int _answered;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public async Task<long> OpenAsync(CancellationToken cancellationToken)
        {
            var headers = new Metadata();
            if (!string.IsNullOrEmpty(target._options.ApiKey))
            {
                headers.Add("authorization", "Bearer " + target._options.ApiKey);
            }
            _call = target._client.Forward(headers, cancellationToken: _cancel.Token);
            Completion = ReadConfirmationsAsync(_call);
            // A request without events is a probe: the answer says where this (log, partition) stands. Only owned
            // partitions are probed: the replica refuses the others.
            foreach (var p in target.Partitions)
            {
                await _call.RequestStream.WriteAsync(new ForwardRequest { LogId = logId, Partition = p, PartitionCount = partitionCount }).ConfigureAwait(false);
            }
            var answered = await Task.WhenAny(_probed.Task, Completion).WaitAsync(target._options.ProbeTimeout, cancellationToken).ConfigureAwait(false);
            await answered.ConfigureAwait(false);
            return target.Partitions.Min(p => _probeAnswers[p] ?? 0);
        }

        public Task SendAsync(int partition, IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken)
        {
            var request = new ForwardRequest { LogId = logId, Partition = partition, PartitionCount = partitionCount };
            request.Events.AddRange(events);
            return _call!.RequestStream.WriteAsync(request, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await _cancel.CancelAsync().ConfigureAwait(false);
            _call?.Dispose();
            try
            {
                await Completion.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or InvalidOperationException)
            {
            }
            _cancel.Dispose();
        }

        private async Task ReadConfirmationsAsync(AsyncDuplexStreamingCall<ForwardRequest, ForwardResponse> call)
        {
            while (await call.ResponseStream.MoveNext(_cancel.Token).ConfigureAwait(false))
            {
                var response = call.ResponseStream.Current;
                if (response.LogId != logId || response.Partition < 0 || response.Partition >= partitionCount || !_owned[response.Partition])
                {
                    continue;
                }
                if (_probeAnswers[response.Partition] is null)
                {
                    _probeAnswers[response.Partition] = response.ConfirmedPosition;
                    if (++_answered == target.Partitions.Count)
                    {
                        _probed.TrySetResult();
                    }
                }
                confirmed(response.Partition, response.ConfirmedPosition);
            }
            throw new IOException("Statistics ended the forward stream.");
        }
    }
}
