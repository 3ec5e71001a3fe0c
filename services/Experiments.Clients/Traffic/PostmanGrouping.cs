namespace Experiments.Clients.Traffic;

/// <summary>How a Postman export folds its requests into folders.</summary>
public enum PostmanGrouping
{
    /// <summary>One folder per client id, its calls in the order made (a client's session).</summary>
    Client,

    /// <summary>One folder per API.</summary>
    Api,
}
