using Experiments.Clients;
using Experiments.Contracts.V1;
using Grpc.Net.Client;
using AssignmentClient = Experiments.Contracts.V1.Assignment.AssignmentClient;
using IngestionClient = Experiments.Contracts.V1.Ingestion.IngestionClient;
using StatisticsClient = Experiments.Contracts.V1.Statistics.StatisticsClient;

namespace Experiments.Bench.Peeking;

/// <summary>The generated clients of the three services, with the local development key.</summary>
internal sealed class ServiceClients : IDisposable
{
    public const string DevKey = "dev-local-key";

    private readonly GrpcChannel[] _channels;

    public ServiceClients(LocalServices services)
    {
        _channels = [GrpcChannel.ForAddress(services.AssignmentAddress), GrpcChannel.ForAddress(services.IngestionAddress), GrpcChannel.ForAddress(services.StatisticsAddress)];
        Admin = new ExperimentAdmin.ExperimentAdminClient(_channels[0].WithApiKey(DevKey));
        Assignment = new AssignmentClient(_channels[0].WithApiKey(DevKey));
        Ingestion = new IngestionClient(_channels[1].WithApiKey(DevKey));
        Statistics = new StatisticsClient(_channels[2].WithApiKey(DevKey));
    }

    public ExperimentAdmin.ExperimentAdminClient Admin { get; }

    public AssignmentClient Assignment { get; }

    public IngestionClient Ingestion { get; }

    public StatisticsClient Statistics { get; }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
