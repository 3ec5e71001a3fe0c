using Experiments.Grpc;
using Google.Protobuf;

namespace Experiments.Clients;

/// <summary>
/// Adds <c>authorization: Bearer {token}</c> (an API key or a JWT) to every call made through an inner invoker,
/// unless the call already carries an authorization header.
/// </summary>
public sealed class AuthorizedCallInvoker : CallInvoker
{
    private const string AuthorizationHeader = "authorization";

    private readonly CallInvoker _inner;
    private readonly string _authorization;

    /// <summary>Calls through <paramref name="inner"/> with <paramref name="token"/> as bearer credentials.</summary>
    public AuthorizedCallInvoker(CallInvoker inner, string token)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _inner = inner;
        _authorization = "Bearer " + token;
    }

    /// <summary>
    /// <paramref name="inner"/> itself when <paramref name="token"/> is null or empty (anonymous calls), else an
    /// invoker that adds it.
    /// </summary>
    public static CallInvoker Wrap(CallInvoker inner, string? token) =>
        string.IsNullOrWhiteSpace(token) ? inner : new AuthorizedCallInvoker(inner, token);

    /// <inheritdoc />
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request) =>
        _inner.BlockingUnaryCall(method, Authorize(options), request);

    /// <inheritdoc />
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request) =>
        _inner.AsyncUnaryCall(method, Authorize(options), request);

    /// <inheritdoc />
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request) =>
        _inner.AsyncServerStreamingCall(method, Authorize(options), request);

    /// <inheritdoc />
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options) =>
        _inner.AsyncClientStreamingCall(method, Authorize(options));

    /// <inheritdoc />
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options) =>
        _inner.AsyncDuplexStreamingCall(method, Authorize(options));

    private CallOptions Authorize(CallOptions options)
    {
        if (options.Headers?.Get(AuthorizationHeader) is not null)
        {
            return options;
        }
        // Copy: the caller's Metadata may be shared between calls.
        var headers = new Metadata();
        if (options.Headers is { } existing)
        {
            foreach (var entry in existing)
            {
                headers.Add(entry);
            }
        }
        headers.Add(AuthorizationHeader, _authorization);
        return options.WithHeaders(headers);
    }
}
