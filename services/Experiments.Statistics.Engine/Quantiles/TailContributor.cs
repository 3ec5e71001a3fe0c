namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>One unit's (or client's) part in an arm's tail.</summary>
/// <param name="Key">The unit or client.</param>
/// <param name="TailRequests">Its requests in the tail.</param>
/// <param name="Share">Its share of all the arm's tail requests.</param>
/// <param name="Requests">All its requests.</param>
/// <typeparam name="TKey">Unit or client identifier.</typeparam>
public sealed record TailContributor<TKey>(TKey Key, long TailRequests, double Share, long Requests)
{
    /// <summary>Fraction of its own requests that fall in the tail (the arm's is ≈ 1 - p).</summary>
    public double TailRate => Requests == 0 ? 0 : (double)TailRequests / Requests;
}
