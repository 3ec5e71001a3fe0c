using Experiments.Contracts.V1;
using Experiments.Ingestion.Traffic;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Captures;

/// <summary>experiments.v1.Captures: maps requests to the capture store and the traffic analyzer, and their results back.</summary>
internal sealed class CapturesService(
    CaptureStore store,
    CaptureValidator validator,
    IntendedUsageValidator usageValidator,
    IOptionsMonitor<CaptureOptions> options,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<CapturesService> logger) : Contracts.V1.Captures.CapturesBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public override async Task<RecordCapturesResponse> RecordCaptures(RecordCapturesRequest request, ServerCallContext context)
    {
        var limits = options.CurrentValue;
        if (request.Exchanges.Count > limits.MaxExchangesPerRequest)
        {
            throw CaptureErrors.TooLarge($"{request.Exchanges.Count} exchanges in one request; at most {limits.MaxExchangesPerRequest} are allowed (Ingestion:Captures:MaxExchangesPerRequest). Send them in smaller requests.");
        }
        var size = request.CalculateSize();
        if (size > limits.MaxRequestBytes)
        {
            throw CaptureErrors.TooLarge($"The request is {size} bytes; at most {limits.MaxRequestBytes} are allowed (Ingestion:Captures:MaxRequestBytes). Send it in smaller requests.");
        }

        var response = new RecordCapturesResponse();
        var valid = new List<CapturedExchange>(request.Exchanges.Count);
        for (var i = 0; i < request.Exchanges.Count; i++)
        {
            var exchange = request.Exchanges[i];
            if (validator.Validate(exchange, $"exchanges[{i}]") is { } violation)
            {
                response.Rejections.Add(new CaptureRejection { Index = i, CaptureId = exchange.CaptureId, Field = violation.Field, Message = violation.Message });
            }
            else
            {
                valid.Add(exchange);
            }
        }
        var (accepted, duplicates) = valid.Count == 0 ? (0, 0) : await store.AddAsync(valid, context.CancellationToken);
        response.AcceptedCount = accepted;
        response.DuplicateCount = duplicates;
        response.RejectedCount = response.Rejections.Count;
        metrics.CapturesRecorded(accepted, duplicates, response.RejectedCount);
        CaptureLogMessages.Recorded(logger, accepted, duplicates, response.RejectedCount);
        return response;
    }

    public override async Task<ListCapturesResponse> ListCaptures(ListCapturesRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0)
        {
            throw CaptureErrors.InvalidArgument(new CaptureViolation("page_size", "must be zero (the default of 100) or more"));
        }
        var pageSize = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var query = CaptureFilters.ToQuery(request.Filter);
        var fingerprint = query.Fingerprint();
        CapturePageToken? after = null;
        if (request.PageToken.Length > 0)
        {
            if (!CapturePageToken.TryDecode(request.PageToken, out var token) || token.Fingerprint != fingerprint)
            {
                throw CaptureErrors.InvalidArgument(new CaptureViolation("page_token", "is not a token this filter's previous page returned"));
            }
            after = token;
        }

        var (rows, more) = await store.ListAsync(query, after, pageSize, context.CancellationToken);
        // A page stops short of page_size rather than outgrow what a client accepts in one message.
        var page = new List<StoredCapture>(rows.Count);
        var budget = options.CurrentValue.MaxPageBytes;
        foreach (var row in rows)
        {
            budget -= row.Exchange.CalculateSize();
            if (budget < 0 && page.Count > 0)
            {
                more = true;
                break;
            }
            page.Add(row);
        }
        var response = new ListCapturesResponse { Exchanges = { page.Select(row => row.Exchange) } };
        if (more)
        {
            var last = page[^1];
            response.NextPageToken = new CapturePageToken(last.StartTicks, last.CaptureId, fingerprint).Encode();
        }
        return response;
    }

    public override async Task<TrafficReport> GetTrafficReport(GetTrafficReportRequest request, ServerCallContext context)
    {
        var query = CaptureFilters.ToQuery(request.Filter);
        var rows = await store.ReadNewestAsync(query, options.CurrentValue.MaxReportExchanges,
            exchange => (exchange.ServiceName, Call: TrafficMapping.ToCall(exchange)), context.CancellationToken);
        // Without a service in the filter, the declaration applies when every exchange read is of one service.
        var service = query.ServiceName.Length > 0
            ? query.ServiceName
            : rows.Select(r => r.ServiceName).Distinct(StringComparer.Ordinal).Take(2).ToList() is [var only] ? only : "";
        var usage = service.Length > 0 ? await store.GetUsageAsync(service, context.CancellationToken) : null;
        var analysis = TrafficAnalyzer.Analyze(rows.Select(r => r.Call).ToList(), TrafficMapping.ToPolicy(usage));
        return TrafficMapping.ToReport(analysis, usage);
    }

    public override async Task<IntendedUsage> SetIntendedUsage(SetIntendedUsageRequest request, ServerCallContext context)
    {
        if (usageValidator.Validate(request.Usage) is { } violation)
        {
            throw CaptureErrors.InvalidArgument(violation);
        }
        var usage = request.Usage.Clone();
        usage.UpdateTime = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        await store.SetUsageAsync(usage, context.CancellationToken);
        return usage;
    }

    public override async Task<IntendedUsage> GetIntendedUsage(GetIntendedUsageRequest request, ServerCallContext context)
    {
        if (request.ServiceName.Length == 0)
        {
            throw CaptureErrors.InvalidArgument(new CaptureViolation("service_name", "is required"));
        }
        return await store.GetUsageAsync(request.ServiceName, context.CancellationToken) ?? new IntendedUsage { ServiceName = request.ServiceName };
    }
}
