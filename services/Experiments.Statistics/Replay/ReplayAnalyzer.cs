using Experiments.Contracts.V1;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Verdicts;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Replay;

/// <summary>
/// The verdict of a replay (<c>exp replay</c>): every observation is one replayed request, the request is the
/// randomization unit, and the existing engine judges the KPIs with its request-level tests at a single look.
/// </summary>
/// <remarks>
/// A replay is read once, when it is over, at a size the replay's bounds fixed beforehand: its decisions read the
/// fixed-horizon normal interval (<see cref="ExperimentDefinition.SingleLook"/>), not the confidence sequence a live
/// experiment needs because it is read at every look (about 1.5 times as wide at α = 0.05).
/// </remarks>
internal sealed class ReplayAnalyzer(IOptions<StatisticsOptions> options, TimeProvider time)
{
    public Verdict Analyze(AnalyzeReplayRequest request)
    {
        var replay = options.Value.Replay;
        ReplayRequestValidator.Validate(request, replay.MaxObservations, options.Value.MaxLatencyMs);
        var now = time.GetUtcNow();
        var experiment = ToExperiment(request, now);
        var definition = DefinitionMapping.ToDefinition(experiment) with { SingleLook = true };
        var aggregator = new ExperimentAggregator(definition);
        // Every observation at the analysis time, which is also the stop time: the whole replay is one look at a
        // finished run (events after a stop would be dropped, events at it count).
        var timeMs = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < request.Observations.Count; i++)
        {
            var observation = request.Observations[i];
            // Each replayed request is its own unit, even when two replays share a capture id.
            var unitId = "replay-request-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var hash = StableHash.Of(unitId);
            aggregator.Expose(hash, observation.VariantKey, timeMs);
            aggregator.Apply(hash, new TelemetryEvent
            {
                EventId = unitId,
                TimeUnixMs = timeMs,
                Kind = TelemetryKind.Request,
                RequestId = unitId,
                ApiName = observation.ApiName,
                LatencyMs = observation.LatencyMs,
                Error = observation.Error,
                ClientId = observation.CaptureId,
            });
        }
        var aggregate = aggregator.Snapshot();
        var result = VerdictEngine.Evaluate(aggregate, now);
        return VerdictMapping.ToProto(result, experiment, aggregate);
    }

    private static Experiment ToExperiment(AnalyzeReplayRequest request, DateTimeOffset now)
    {
        var experiment = new Experiment
        {
            Id = request.ReplayId,
            Revision = 1,
            RandomizationUnit = RandomizationUnit.Request,
            Alpha = request.Alpha > 0 ? request.Alpha : 0.05,
            MinimumDetectableEffect = request.MinimumDetectableEffect > 0 ? request.MinimumDetectableEffect : 0.05,
            MultipleTestingCorrection = MultipleTestingCorrection.Holm,
            StartTime = Timestamp.FromDateTimeOffset(now),
            StopTime = Timestamp.FromDateTimeOffset(now),
            // No lifecycle status: the verdict panel would otherwise read a replay as a stopped or running experiment.
            RolloutPercent = 100,
        };
        // Every replayed exchange is sent under both variants: equal weights are what the sample-ratio check expects.
        experiment.Variants.Add(new Variant { Key = request.ControlVariant, Weight = 1, IsControl = true });
        experiment.Variants.Add(new Variant { Key = request.TreatmentVariant, Weight = 1 });
        experiment.Kpis.AddRange(request.Kpis);
        return experiment;
    }
}
