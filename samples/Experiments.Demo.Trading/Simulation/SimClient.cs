namespace Experiments.Demo.Trading.Simulation;

/// <summary>
/// The client applications the simulated users come through, each sending its name as <c>x-client-id</c>. The web and
/// mobile apps use the API as intended (the portfolio before any order, quotes before trading); the algo-bot does not
/// (see <see cref="ClientSessions"/>).
/// </summary>
public enum SimClient
{
    Web,
    Mobile,
    AlgoBot,
}

/// <summary>The <c>x-client-id</c> each client sends.</summary>
public static class SimClients
{
    public const string Web = "web";

    public const string Mobile = "mobile";

    public const string AlgoBot = "algo-bot";

    public static string IdOf(SimClient client) => client switch
    {
        SimClient.Web => Web,
        SimClient.Mobile => Mobile,
        SimClient.AlgoBot => AlgoBot,
        _ => throw new ArgumentOutOfRangeException(nameof(client)),
    };
}
