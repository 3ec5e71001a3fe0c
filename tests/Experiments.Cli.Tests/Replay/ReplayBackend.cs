using System.Collections.Concurrent;
using System.Text;
using Experiments.Contracts.V1;
using Experiments.Evaluation.Replay;
using Experiments.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Cli.Tests.Replay;

/// <summary>
/// A backend on Kestrel at 127.0.0.1 (HTTP/2 only) that honours replay headers as the SDK is specified to: the forced
/// variant only with a token valid for the configured key, otherwise the default variant and the attempt counted.
/// It serves experiments.v1.Assignment/Assign (gRPC) and GET /v1/portfolio/{account} (HTTP). Planted: under
/// <see cref="Treatment"/>, one request in ten is slowed by <see cref="TailDelay"/> — a tail regression, the median unchanged.
/// </summary>
/// <remarks>
/// It checks tokens with the same ReplayToken.Verify as the SDK's ReplayGate (services/Experiments.Sdk/Replay); this test
/// project does not reference the SDK, so the double reads the headers itself.
/// </remarks>
internal sealed class ReplayBackend : IAsyncDisposable
{
    public const string Flag = "order-routing";
    public const string Control = "control";
    public const string Treatment = "new-router";
    public static readonly TimeSpan TailDelay = TimeSpan.FromMilliseconds(500);

    private readonly GrpcTestServer _server;

    private ReplayBackend(GrpcTestServer server, State state)
    {
        _server = server;
        Served = state;
    }

    public string Address => _server.Address!;

    public State Served { get; }

    public static async Task<ReplayBackend> StartAsync(string key)
    {
        var state = new State(Encoding.UTF8.GetBytes(key));
        var server = await GrpcTestServer.StartAsync(
            services => services.AddSingleton(state).AddSingleton<AssignService>(),
            app =>
            {
                app.MapGrpcService<AssignService>();
                app.MapGet("/v1/portfolio/{account}", async (string account, HttpContext http) =>
                {
                    var variant = await state.ServeAsync(http.Request.Headers[ReplayToken.VariantHeader].ToString(),
                        http.Request.Headers[ReplayToken.TokenHeader].ToString(), http.Request.Headers.Authorization.ToString(), http.RequestAborted);
                    return Results.Json(new { account, variant, positions = new[] { new { symbol = "ACME", quantity = variant == Treatment ? 12 : 10 } } });
                });
            },
            loopback: true);
        return new ReplayBackend(server, state);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>What the backend saw.</summary>
    internal sealed class State(byte[] key)
    {
        public ConcurrentDictionary<string, int> ServedVariants { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Authorizations { get; } = [];

        public ConcurrentBag<string> VariantHeaders { get; } = [];

        private int _refused;

        public int Refused => _refused;

        /// <summary>Forgets what was seen (after a warm-up).</summary>
        public void Reset()
        {
            ServedVariants.Clear();
            Authorizations.Clear();
            VariantHeaders.Clear();
            Interlocked.Exchange(ref _refused, 0);
        }

        public async Task<string> ServeAsync(string variantHeader, string token, string authorization, CancellationToken cancellationToken)
        {
            VariantHeaders.Add(variantHeader);
            Authorizations.Add(authorization);
            var variant = Control;
            if (variantHeader.Length > 0)
            {
                if (ReplayToken.Verify(key, variantHeader, token, DateTimeOffset.UtcNow)
                    && ReplayToken.ParseVariants(variantHeader) is { } forced && forced.TryGetValue(Flag, out var chosen))
                {
                    variant = chosen;
                }
                else
                {
                    Interlocked.Increment(ref _refused);
                }
            }
            ServedVariants.AddOrUpdate(variant, 1, (_, n) => n + 1);
            if (variant == Treatment && Random.Shared.NextDouble() < 0.1)
            {
                await Task.Delay(TailDelay, cancellationToken);
            }
            return variant;
        }
    }

    private sealed class AssignService(State state) : Contracts.V1.Assignment.AssignmentBase
    {
        public override async Task<AssignResponse> Assign(AssignRequest request, ServerCallContext context)
        {
            var headers = context.RequestHeaders;
            var variant = await state.ServeAsync(headers.GetValue(ReplayToken.VariantHeader) ?? "", headers.GetValue(ReplayToken.TokenHeader) ?? "",
                headers.GetValue("authorization") ?? "", context.CancellationToken);
            return new AssignResponse
            {
                Assignments = { new VariantAssignment { FlagKey = Flag, ExperimentId = "routing", VariantKey = variant } },
                DefinitionsVersion = 7,
            };
        }
    }
}
