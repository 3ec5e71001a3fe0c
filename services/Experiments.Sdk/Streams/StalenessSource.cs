namespace Experiments.Sdk.Streams;

/// <summary>How to read the source time of a stream message of one type (registered by <c>WithStaleness</c>).</summary>
internal sealed record StalenessSource(Type MessageType, Delegate SourceTime);

/// <summary>The registered <see cref="StalenessSource"/>s, by message type.</summary>
internal sealed class StalenessSources(IEnumerable<StalenessSource> sources)
{
    private readonly Dictionary<Type, Delegate> _byType = sources.ToDictionary(s => s.MessageType, s => s.SourceTime);

    /// <summary>The source time of a <typeparamref name="TMessage"/>, or null when none was registered for it.</summary>
    public Func<TMessage, DateTimeOffset>? For<TMessage>() =>
        _byType.Count != 0 && _byType.TryGetValue(typeof(TMessage), out var read) ? (Func<TMessage, DateTimeOffset>)read : null;
}
