namespace Experiments.Grpc;

[Flags]
public enum WriteFlags
{
    None = 0,

    /// <summary>Hint that the write may be buffered and need not go on the wire at once.</summary>
    BufferHint = 1,

    /// <summary>Send this message uncompressed even when the call compresses.</summary>
    NoCompress = 2,
}

/// <summary>Options for writing messages.</summary>
public sealed record WriteOptions(WriteFlags Flags = WriteFlags.None)
{
    public static readonly WriteOptions Default = new();
}
