using Grpc.Core;

namespace Experiments.Demo.Trading.Simulation;

/// <summary>
/// One simulated user: its id (<c>x-user-id</c>), the client it trades through, its secrets — the bearer token its
/// client sends as <c>authorization</c> and its account's trading token — and what it experienced today.
/// Both secrets start with <see cref="SecretPrefix"/>, so a test can search every recorded byte for them.
/// </summary>
internal sealed class SimUser
{
    /// <summary>How every simulated secret begins.</summary>
    public const string SecretPrefix = "demo-secret-";

    public SimUser(string id, double timeOfDay, SimClient client, string secret)
    {
        Id = id;
        TimeOfDay = timeOfDay;
        Client = client;
        Authorization = "Bearer " + SecretPrefix + secret;
        AccountToken = SecretPrefix + "acct-" + secret;
        Headers = new Metadata
        {
            { "authorization", Authorization },
            { "x-user-id", id },
            { "x-client-id", SimClients.IdOf(client) },
        };
        if (client == SimClient.AlgoBot)
        {
            Headers.Add(Core.TradingApis.AccountGroupsHeader, Core.TradingApis.AlgoGroup);
        }
    }

    public string Id { get; }

    /// <summary>When in its day (0–0.85 of it) the user starts its session.</summary>
    public double TimeOfDay { get; }

    public SimClient Client { get; }

    /// <summary>The <c>authorization</c> header value its client sends: <c>Bearer demo-secret-…</c>.</summary>
    public string Authorization { get; }

    /// <summary>The account's trading token, sent in each PlaceOrderRequest.</summary>
    public string AccountToken { get; }

    /// <summary>The request metadata of every call: authorization, user, client (and the algo group for bots).</summary>
    public Metadata Headers { get; }

    public bool Active { get; set; } = true;

    public int DayRequests { get; set; }

    public int DayErrors { get; set; }

    /// <summary>Latencies of the orders the web and mobile users placed today (the bots' large orders are not what users see).</summary>
    public List<double> DayOrderLatencies { get; } = [];

    public List<double> DayQuoteAges { get; } = [];

    public void ResetDay()
    {
        DayRequests = 0;
        DayErrors = 0;
        DayOrderLatencies.Clear();
        DayQuoteAges.Clear();
    }
}
