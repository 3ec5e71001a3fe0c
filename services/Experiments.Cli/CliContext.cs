using Experiments.Cli.Configuration;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Google.Protobuf;
using Spectre.Console;

namespace Experiments.Cli;

/// <summary>What a command handler works with: the resolved settings, the clients, and where to write.</summary>
internal sealed class CliContext : IDisposable
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private readonly List<GrpcChannel> _channels = [];
    private ExperimentAdmin.ExperimentAdminClient? _admin;
    private Statistics.StatisticsClient? _statistics;
    private Captures.CapturesClient? _captures;

    public CliContext(CliHost host, CliSettings settings, bool json, CancellationToken cancellationToken)
    {
        Host = host;
        Settings = settings;
        Json = json;
        CancellationToken = cancellationToken;
    }

    public CliHost Host { get; }

    public CliSettings Settings { get; }

    /// <summary>Write machine-readable JSON instead of tables.</summary>
    public bool Json { get; }

    public CancellationToken CancellationToken { get; }

    public IAnsiConsole Console => Host.Console;

    /// <summary>The service of the most recent call, named in error messages.</summary>
    public (string Name, Uri Address)? LastTarget { get; private set; }

    public ExperimentAdmin.ExperimentAdminClient Admin
    {
        get
        {
            LastTarget = ("assignment", Settings.AssignmentUrl);
            return _admin ??= new ExperimentAdmin.ExperimentAdminClient(Invoker(Settings.AssignmentUrl));
        }
    }

    public Statistics.StatisticsClient Statistics
    {
        get
        {
            LastTarget = ("statistics", Settings.StatisticsUrl);
            return _statistics ??= new Statistics.StatisticsClient(Invoker(Settings.StatisticsUrl));
        }
    }

    public Captures.CapturesClient Captures
    {
        get
        {
            LastTarget = ("ingestion", Settings.IngestionUrl);
            return _captures ??= new Captures.CapturesClient(Invoker(Settings.IngestionUrl));
        }
    }

    /// <summary>Options of a unary call: the configured timeout as its deadline.</summary>
    public CallOptions Unary() => new(deadline: DateTime.UtcNow + Settings.Timeout, cancellationToken: CancellationToken);

    /// <summary>Options of a stream that lasts until cancelled.</summary>
    public CallOptions Streaming(CancellationToken cancellationToken) => new(cancellationToken: cancellationToken);

    /// <summary>Writes one message as a line of protobuf JSON (proto3 mapping, default values included).</summary>
    public void WriteJson(IMessage message)
    {
        Host.Out.WriteLine(Formatter.Format(message));
        Host.Out.Flush();
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private CallInvoker Invoker(Uri address)
    {
        var channel = Host.CreateChannel(address);
        _channels.Add(channel);
        return channel.WithApiKey(Settings.ApiKeyFor(address));
    }
}
