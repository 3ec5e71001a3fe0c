using Experiments.Contracts.V1;
using Experiments.Sdk.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Decides which calls are captured — sampling first, by a rate per API, then the client allow-list — and takes the
/// exchanges recorded into <see cref="CaptureBuffer"/>. With capture off, a call costs one field read here.
/// </summary>
internal sealed class Capturer
{
    private readonly double _rate;
    private readonly Dictionary<string, double>.AlternateLookup<ReadOnlySpan<char>>? _apiRates;
    private readonly HashSet<string>? _clients;
    private readonly CaptureBuffer _buffer;
    private readonly ExperimentsMetrics _metrics;
    private readonly ILogger<Capturer> _logger;

    public Capturer(IOptions<ExperimentsOptions> options, Redactor redactor, CaptureBuffer buffer, ExperimentsMetrics metrics, TimeProvider clock, ILogger<Capturer> logger,
        IHostEnvironment? environment = null)
    {
        var value = options.Value;
        var capture = value.Capture;
        Enabled = capture.Enabled && !string.IsNullOrEmpty(value.IngestionAddress);
        _rate = Math.Clamp(capture.SampleRate, 0, 1);
        if (capture.ApiSampleRates.Count > 0)
        {
            _apiRates = new Dictionary<string, double>(capture.ApiSampleRates, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }
        _clients = capture.ClientAllowList.Count == 0 ? null : new HashSet<string>(capture.ClientAllowList, StringComparer.Ordinal);
        MaxExchangeBytes = capture.MaxExchangeBytes;
        ServiceName = value.ServiceName ?? environment?.ApplicationName ?? AppDomain.CurrentDomain.FriendlyName;
        Redactor = redactor;
        Clock = clock;
        _buffer = buffer;
        _metrics = metrics;
        _logger = logger;
    }

    public bool Enabled { get; }

    public int MaxExchangeBytes { get; }

    public string ServiceName { get; }

    public Redactor Redactor { get; }

    /// <summary>The app's clock, which dates exchanges as it dates telemetry events.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Whether a call of <paramref name="apiName"/> is sampled (before the client is looked at).</summary>
    public bool Samples(ReadOnlySpan<char> apiName)
    {
        var rate = _rate;
        if (_apiRates is { } rates && rates.TryGetValue(apiName, out var own))
        {
            rate = own;
        }
        return rate >= 1 || (rate > 0 && Random.Shared.NextDouble() < rate);
    }

    /// <summary>Whether calls of <paramref name="clientId"/> may be captured.</summary>
    public bool Allows(string clientId) => _clients is null || _clients.Contains(clientId);

    public ExchangeRecorder Start(HttpContext http, CaptureProtocol protocol, string apiName, string clientId, string grpcCallType = "") =>
        new(this, http, protocol, apiName, clientId, grpcCallType);

    public void Submit(CapturedExchange exchange)
    {
        if (_buffer.TryEnqueue(exchange))
        {
            _metrics.AddCaptureRecorded();
        }
        else
        {
            _metrics.AddCaptureDropped(CaptureDrop.Budget);
        }
    }

    public void Failed(string apiName, Exception exception)
    {
        _metrics.AddCaptureDropped(CaptureDrop.Error);
        SdkLog.CaptureFailed(_logger, apiName, exception);
    }
}
