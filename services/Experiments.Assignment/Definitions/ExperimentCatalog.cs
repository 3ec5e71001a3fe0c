using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Experiments.Assignment.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Assignment.Definitions;

/// <summary>
/// Defines experiments and moves them through their lifecycle. Changes are serialized, checked against the
/// caller's revision (optimistic concurrency) and against the other experiments (one live experiment per flag,
/// disjoint layer segments, consistent holdouts), committed to the store with their audit record, and only then
/// published to evaluation and WatchDefinitions.
/// </summary>
public sealed partial class ExperimentCatalog(
    IExperimentStore store,
    DefinitionValidator validator,
    DefinitionFeed feed,
    TimeProvider time,
    IOptions<AssignmentOptions> options,
    ILogger<ExperimentCatalog> logger)
{
    /// <summary>Layer segments closer than this are treated as touching (percentages are doubles).</summary>
    private const double SegmentEpsilon = 1e-9;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AssignmentOptions _options = options.Value;
    // Copy-on-write: readers (Get, List) take the current dictionary without the gate; writers replace it whole.
    private volatile Dictionary<string, ExperimentDefinition> _latest = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Completes once the definitions are loaded from the store.</summary>
    public Task Ready => _loaded.Task;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            _loaded.TrySetResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Picks up changes other writers committed to a shared store (Dapr mode with several replicas).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ExperimentDefinition> CreateAsync(ExperimentDefinition candidate, string requestedId, string actor, CancellationToken cancellationToken)
    {
        if (requestedId.Length > 0 && !ExperimentIdPattern().IsMatch(requestedId))
        {
            throw new InvalidDefinitionException("experiment_id", $"'{requestedId}' must be 1–63 characters of [a-z0-9-] starting with a letter");
        }
        var now = time.GetUtcNow();
        var definition = candidate with
        {
            Id = requestedId.Length > 0 ? requestedId : NewId(),
            Seed = candidate.Seed.Length > 0 ? candidate.Seed : NewSeed(),
            State = ExperimentState.Draft,
            Revision = 1,
            CreateTime = now,
            UpdateTime = now,
            StartTime = null,
            StopTime = null,
            FinalVariantKey = "",
            StopReason = "",
        };
        validator.Validate(definition, "experiment.");
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_latest.ContainsKey(definition.Id))
            {
                throw new ExperimentAlreadyExistsException($"an experiment with id '{definition.Id}' already exists");
            }
            definition = CheckAgainstOthers(definition, previous: null);
            return await CommitAsync(null, definition, AuditOperation.Create, actor, "", "created in DRAFT", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ExperimentDefinition> GetAsync(string id, long revision, CancellationToken cancellationToken)
    {
        RequireId(id);
        if (revision < 0)
        {
            throw new InvalidDefinitionException("revision", "must not be negative (0 means the latest)");
        }
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        var latest = Latest(id);
        if (revision == 0 || revision == latest.Revision)
        {
            return latest;
        }
        if (revision > latest.Revision)
        {
            throw new ExperimentNotFoundException($"experiment '{id}' has no revision {revision} (latest is {latest.Revision})");
        }
        return await store.GetRevisionAsync(id, revision, cancellationToken).ConfigureAwait(false)
            ?? throw new ExperimentNotFoundException($"experiment '{id}' has no revision {revision}");
    }

    public async Task<ExperimentPage> ListAsync(ExperimentQuery query, int pageSize, string pageToken, CancellationToken cancellationToken)
    {
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        pageSize = PageSize(pageSize);
        var states = query.States.Count == 0
            ? [ExperimentState.Draft, ExperimentState.Running, ExperimentState.Stopped]
            : query.States.Distinct().Order().ToArray();
        var fingerprint = string.Join(",", states) + "|" + query.Layer + "|" + query.FlagKey;
        var afterTicks = long.MaxValue;
        var afterId = "";
        if (pageToken.Length > 0)
        {
            var parts = PageTokens.Decode(pageToken, 4, "e1");
            if (parts[1] != fingerprint)
            {
                throw new InvalidDefinitionException("page_token", "was issued for other filters; keep statuses, layer and flag_key unchanged between pages");
            }
            afterTicks = PageTokens.ParseLong(parts[2]);
            afterId = parts[3];
        }
        var snapshot = _latest.Values;
        var matching = snapshot
            .Where(e => states.Contains(e.State)
                && (query.Layer.Length == 0 || e.Layer?.Name == query.Layer)
                && (query.FlagKey.Length == 0 || e.FlagKey == query.FlagKey))
            .OrderByDescending(e => e.CreateTime.UtcTicks)
            .ThenByDescending(e => e.Id, StringComparer.Ordinal)
            .Where(e => e.CreateTime.UtcTicks < afterTicks
                || (e.CreateTime.UtcTicks == afterTicks && string.CompareOrdinal(e.Id, afterId) < 0))
            .Take(pageSize + 1)
            .ToList();
        var next = "";
        if (matching.Count > pageSize)
        {
            matching.RemoveAt(pageSize);
            var last = matching[^1];
            next = PageTokens.Encode("e1", fingerprint, last.CreateTime.UtcTicks.ToString(CultureInfo.InvariantCulture), last.Id);
        }
        return new ExperimentPage(matching, next);
    }

    public async Task<ExperimentDefinition> UpdateAsync(ExperimentDefinition candidate, IReadOnlyList<string> mask, long expectedRevision, string actor, CancellationToken cancellationToken)
    {
        RequireId(candidate.Id, "experiment.id");
        RequireRevision(expectedRevision);
        foreach (var (path, i) in mask.Select((p, i) => (p, i)))
        {
            if (path == "rollout_percent")
            {
                throw new InvalidDefinitionException($"update_mask.paths[{i}]", "rollout_percent changes through RampExperiment");
            }
            if (DefinitionFields.OutputOnly.Contains(path))
            {
                throw new InvalidDefinitionException($"update_mask.paths[{i}]", $"'{path}' is output only; status changes through Start/Stop/ArchiveExperiment");
            }
            if (DefinitionFields.Find(path) is null)
            {
                throw new InvalidDefinitionException($"update_mask.paths[{i}]", $"'{path}' is not a field of Experiment that UpdateExperiment can replace");
            }
        }
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Latest(candidate.Id);
            CheckRevision(current, expectedRevision);
            var fullReplace = mask.Count == 0;
            var fields = fullReplace ? DefinitionFields.Updatable : mask.Distinct().Select(p => DefinitionFields.Find(p)!).ToList();
            if (fullReplace && Math.Abs(candidate.RolloutPercent - current.RolloutPercent) > 0)
            {
                throw new InvalidDefinitionException("experiment.rollout_percent", "rollout_percent changes through RampExperiment");
            }
            var next = current;
            var changed = new List<string>();
            foreach (var field in fields)
            {
                if (DefinitionFields.Same(field, current, candidate))
                {
                    continue;
                }
                var forbidden = current.State switch
                {
                    ExperimentState.Running when field.FrozenWhileRunning => field.Name == "variants"
                        ? "variants of a running experiment cannot change: that would invalidate the analysis (weights change through RampExperiment)"
                        : $"{field.Name} of a running experiment cannot change: that would re-randomize units and invalidate the analysis",
                    ExperimentState.Stopped when !field.EditableWhenStopped => $"{field.Name} of a stopped experiment cannot change; only display_name and description can",
                    ExperimentState.Archived => "an archived experiment cannot change",
                    _ => null,
                };
                if (forbidden is not null)
                {
                    throw new LifecycleViolationException($"experiment.{field.Name}: {forbidden}");
                }
                next = field.Apply(next, candidate);
                changed.Add(field.Name);
            }
            if (changed.Count == 0 && current.Seed.Length > 0)
            {
                // Nothing to change: no revision, no audit entry, the experiment as it stands (documented on UpdateExperiment).
                return current;
            }
            if (next.Seed.Length == 0)
            {
                next = next with { Seed = NewSeed() };
            }
            validator.Validate(next, "experiment.");
            next = CheckAgainstOthers(next, current);
            var summary = changed.Count == 0 ? "no field changed" : "updated " + string.Join(", ", changed);
            return await CommitAsync(current, next, AuditOperation.Update, actor, "", summary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<ExperimentDefinition> StartAsync(string id, long expectedRevision, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, expectedRevision, current =>
        {
            if (current.State != ExperimentState.Draft)
            {
                throw new LifecycleViolationException($"experiment '{id}' is {Name(current.State)}; only a DRAFT can start");
            }
            var now = time.GetUtcNow();
            return (current with { State = ExperimentState.Running, StartTime = now }, AuditOperation.Start, "", "started");
        }, actor, cancellationToken);

    public Task<ExperimentDefinition> StopAsync(string id, long expectedRevision, string reason, string finalVariantKey, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, expectedRevision, current =>
        {
            if (current.State != ExperimentState.Running)
            {
                throw new LifecycleViolationException($"experiment '{id}' is {Name(current.State)}; only a RUNNING experiment can stop");
            }
            var final = finalVariantKey.Length > 0 ? finalVariantKey : current.ResolvedDefaultVariantKey();
            if (current.Variants.All(v => v.Key != final))
            {
                throw new InvalidDefinitionException("final_variant_key", $"'{final}' is not one of the variant keys ({string.Join(", ", current.Variants.Select(v => v.Key))})");
            }
            var now = time.GetUtcNow();
            return (current with { State = ExperimentState.Stopped, StopTime = now, FinalVariantKey = final, StopReason = reason },
                AuditOperation.Stop, reason, $"stopped; every unit now gets '{final}'");
        }, actor, cancellationToken);

    public Task<ExperimentDefinition> RampAsync(string id, long expectedRevision, double? rolloutPercent, IReadOnlyList<WeightChange> weights, string reason, string actor, CancellationToken cancellationToken)
    {
        if (rolloutPercent is { } rollout && (!double.IsFinite(rollout) || rollout is < 0 or > 100))
        {
            throw new InvalidDefinitionException("rollout_percent", $"must be between 0 and 100, got {DefinitionFields.Number(rollout)}");
        }
        var named = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < weights.Count; i++)
        {
            if (!double.IsFinite(weights[i].Weight) || weights[i].Weight < 0)
            {
                throw new InvalidDefinitionException($"weights[{i}].weight", $"must be a finite number >= 0, got {DefinitionFields.Number(weights[i].Weight)}");
            }
            if (!named.Add(weights[i].VariantKey))
            {
                throw new InvalidDefinitionException($"weights[{i}].variant_key", $"'{weights[i].VariantKey}' is named twice; give each variant one weight");
            }
        }
        return ChangeAsync(id, expectedRevision, current =>
        {
            if (current.State is not (ExperimentState.Draft or ExperimentState.Running))
            {
                throw new LifecycleViolationException($"experiment '{id}' is {Name(current.State)}; only a DRAFT or RUNNING experiment can ramp");
            }
            var variants = current.Variants.ToList();
            for (var i = 0; i < weights.Count; i++)
            {
                var index = variants.FindIndex(v => v.Key == weights[i].VariantKey);
                if (index < 0)
                {
                    throw new InvalidDefinitionException($"weights[{i}].variant_key", $"'{weights[i].VariantKey}' is not one of the variant keys ({string.Join(", ", current.Variants.Select(v => v.Key))})");
                }
                variants[index] = variants[index] with { Weight = weights[i].Weight };
            }
            var sum = variants.Sum(v => v.Weight);
            if (Math.Abs(sum - 100) > DefinitionValidator.WeightSumTolerance)
            {
                throw new InvalidDefinitionException("weights", $"the variants' weights must sum to 100 after the ramp, they would sum to {DefinitionFields.Number(sum)}");
            }
            var next = current with { RolloutPercent = rolloutPercent ?? current.RolloutPercent, Variants = variants };
            var parts = new List<string>();
            if (next.RolloutPercent != current.RolloutPercent)
            {
                parts.Add($"rollout {DefinitionFields.Percent(current.RolloutPercent)} → {DefinitionFields.Percent(next.RolloutPercent)}");
            }
            foreach (var variant in variants)
            {
                var before = current.Variants.First(v => v.Key == variant.Key).Weight;
                if (before != variant.Weight)
                {
                    parts.Add($"{variant.Key} weight {DefinitionFields.Number(before)} → {DefinitionFields.Number(variant.Weight)}");
                }
            }
            // Nothing to change: the experiment as it stands, no revision (documented on RampExperiment).
            return parts.Count == 0 ? (current, AuditOperation.Ramp, reason, "") : (next, AuditOperation.Ramp, reason, string.Join(", ", parts));
        }, actor, cancellationToken);
    }

    public Task<ExperimentDefinition> ArchiveAsync(string id, long expectedRevision, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, expectedRevision, current =>
        {
            if (current.State is not (ExperimentState.Draft or ExperimentState.Stopped))
            {
                throw new LifecycleViolationException(current.State == ExperimentState.Running
                    ? $"experiment '{id}' is RUNNING; stop it before archiving"
                    : $"experiment '{id}' is already ARCHIVED");
            }
            return (current with { State = ExperimentState.Archived }, AuditOperation.Archive, "", $"archived; flag '{current.FlagKey}' is free");
        }, actor, cancellationToken);

    public async Task<AuditRecordPage> ListAuditAsync(string experimentId, int pageSize, string pageToken, CancellationToken cancellationToken)
    {
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (experimentId.Length > 0)
        {
            Latest(experimentId);
        }
        long before = 0;
        if (pageToken.Length > 0)
        {
            var parts = PageTokens.Decode(pageToken, 3, "a1");
            if (parts[1] != experimentId)
            {
                throw new InvalidDefinitionException("page_token", "was issued for another experiment_id");
            }
            before = PageTokens.ParseLong(parts[2]);
        }
        var page = await store.ListAuditAsync(experimentId.Length > 0 ? experimentId : null, before, PageSize(pageSize), cancellationToken).ConfigureAwait(false);
        var next = page.NextBeforeVersion == 0 ? "" : PageTokens.Encode("a1", experimentId, page.NextBeforeVersion.ToString(CultureInfo.InvariantCulture));
        return new AuditRecordPage(page.Records, next);
    }

    private async Task<ExperimentDefinition> ChangeAsync(
        string id,
        long expectedRevision,
        Func<ExperimentDefinition, (ExperimentDefinition Next, AuditOperation Operation, string Reason, string Summary)> change,
        string actor,
        CancellationToken cancellationToken)
    {
        RequireId(id);
        RequireRevision(expectedRevision);
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Latest(id);
            CheckRevision(current, expectedRevision);
            var (next, operation, reason, summary) = change(current);
            return ReferenceEquals(next, current) ? current : await CommitAsync(current, next, operation, actor, reason, summary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Must hold the gate. Commits, then updates memory and publishes; reloads when another writer moved the store.</summary>
    private async Task<ExperimentDefinition> CommitAsync(ExperimentDefinition? current, ExperimentDefinition next, AuditOperation operation, string actor, string reason, string summary, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        next = next with { Revision = (current?.Revision ?? 0) + 1, UpdateTime = now };
        var audit = new AuditRecord(next.Id, next.Revision, now, actor, operation, reason, summary, DefinitionFields.Diff(current, next));
        long version;
        try
        {
            version = await store.CommitAsync(next, audit, _version, cancellationToken).ConfigureAwait(false);
        }
        catch (StaleRevisionException)
        {
            // Another writer (a second replica on the same store) got there first: take its state, let the caller retry.
            await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        _latest = new Dictionary<string, ExperimentDefinition>(_latest, StringComparer.Ordinal) { [next.Id] = next };
        _version = version;
        feed.Publish(version, next);
        CatalogLog.Committed(logger, next.Id, next.Revision, operation, actor, version);
        return next;
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var snapshot = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (_loaded.Task.IsCompleted && snapshot.Version == _version)
        {
            return;
        }
        _latest = snapshot.Experiments.ToDictionary(e => e.Id, StringComparer.Ordinal);
        _version = snapshot.Version;
        feed.Reset(snapshot.Version, snapshot.Experiments);
        CatalogLog.Loaded(logger, snapshot.Experiments.Count, snapshot.Version);
    }

    /// <summary>Cross-experiment rules; returns the definition with its layer segment allocated.</summary>
    private ExperimentDefinition CheckAgainstOthers(ExperimentDefinition definition, ExperimentDefinition? previous)
    {
        var others = _latest.Values.Where(e => e.Id != definition.Id && e.State != ExperimentState.Archived).ToList();
        var sameFlag = others.FirstOrDefault(e => e.FlagKey == definition.FlagKey);
        if (sameFlag is not null)
        {
            throw new ExperimentAlreadyExistsException(
                $"flag '{definition.FlagKey}' is already used by experiment '{sameFlag.Id}' ({Name(sameFlag.State)}); archive it first or choose another flag_key");
        }
        if (definition.Holdout is { } holdout)
        {
            var sibling = others.FirstOrDefault(e => e.Holdout is { } h && h.Name == holdout.Name && h.Percent != holdout.Percent);
            if (sibling is not null)
            {
                throw new InvalidDefinitionException("experiment.holdout.percent",
                    $"holdout '{holdout.Name}' holds out {DefinitionFields.Percent(sibling.Holdout!.Percent)} in experiment '{sibling.Id}'; every experiment naming it must state the same percent");
            }
        }
        if (definition.Layer is not { } layer)
        {
            return definition;
        }
        var inLayer = others.Where(e => e.Layer?.Name == layer.Name).OrderBy(e => e.Layer!.SegmentStartPercent).ToList();
        var otherUnit = inLayer.FirstOrDefault(e => e.Unit != definition.Unit);
        if (otherUnit is not null)
        {
            throw new InvalidDefinitionException("experiment.layer.name",
                $"layer '{layer.Name}' holds {otherUnit.Unit.ToString().ToUpperInvariant()}-randomized experiments (e.g. '{otherUnit.Id}'); mutual exclusion needs one randomization unit per layer");
        }
        // A segment never moves: keep it when the placement is unchanged.
        if (previous?.Layer is { } kept && kept.Name == layer.Name && kept.TrafficPercent == layer.TrafficPercent)
        {
            return definition with { Layer = kept };
        }
        var start = FindSegment(inLayer, layer.TrafficPercent);
        if (start is null)
        {
            var used = inLayer.Sum(e => e.Layer!.TrafficPercent);
            var detail = string.Join(", ", inLayer.Select(e => $"'{e.Id}' {DefinitionFields.Percent(e.Layer!.TrafficPercent)}"));
            var free = Math.Max(0, 100 - used);
            throw new InvalidDefinitionException("experiment.layer.traffic_percent",
                $"layer '{layer.Name}' would overflow: {DefinitionFields.Percent(layer.TrafficPercent)} requested, " +
                $"{DefinitionFields.Percent(free)} free (largest free segment {DefinitionFields.Percent(LargestGap(inLayer))}); used by {detail}");
        }
        return definition with { Layer = layer with { SegmentStartPercent = start.Value } };
    }

    /// <summary>First gap in [0, 100) that fits <paramref name="traffic"/>, or null.</summary>
    private static double? FindSegment(List<ExperimentDefinition> sortedInLayer, double traffic)
    {
        var cursor = 0.0;
        foreach (var other in sortedInLayer)
        {
            if (other.Layer!.SegmentStartPercent - cursor >= traffic - SegmentEpsilon)
            {
                return cursor;
            }
            cursor = Math.Max(cursor, other.Layer.SegmentEndPercent());
        }
        return 100 - cursor >= traffic - SegmentEpsilon ? cursor : null;
    }

    private static double LargestGap(List<ExperimentDefinition> sortedInLayer)
    {
        var cursor = 0.0;
        var largest = 0.0;
        foreach (var other in sortedInLayer)
        {
            largest = Math.Max(largest, other.Layer!.SegmentStartPercent - cursor);
            cursor = Math.Max(cursor, other.Layer.SegmentEndPercent());
        }
        return Math.Max(largest, 100 - cursor);
    }

    private ExperimentDefinition Latest(string id) =>
        _latest.TryGetValue(id, out var definition) ? definition : throw new ExperimentNotFoundException($"no experiment with id '{id}'");

    private static void CheckRevision(ExperimentDefinition current, long expectedRevision)
    {
        if (current.Revision != expectedRevision)
        {
            throw new StaleRevisionException(
                $"experiment '{current.Id}' is at revision {current.Revision}, the request was based on revision {expectedRevision}; re-read it and retry");
        }
    }

    private static void RequireId(string id, string field = "id")
    {
        if (id.Length == 0)
        {
            throw new InvalidDefinitionException(field, "is required");
        }
    }

    private static void RequireRevision(long expectedRevision)
    {
        if (expectedRevision <= 0)
        {
            throw new InvalidDefinitionException("expected_revision", "is required: the revision the change is based on (>= 1)");
        }
    }

    private int PageSize(int requested)
    {
        if (requested < 0)
        {
            throw new InvalidDefinitionException("page_size", "must not be negative");
        }
        return requested == 0 ? _options.DefaultPageSize : Math.Min(requested, _options.MaxPageSize);
    }

    private static string Name(ExperimentState state) => state.ToString().ToUpperInvariant();

    private static string NewId() => "exp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private static string NewSeed() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$")]
    private static partial Regex ExperimentIdPattern();
}
