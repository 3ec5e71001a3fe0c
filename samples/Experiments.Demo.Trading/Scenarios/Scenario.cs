namespace Experiments.Demo.Trading.Scenarios;

/// <summary>
/// The effect planted in the treatment (variant <c>new-router</c> of the <c>order-routing</c> flag: the new order
/// router and the new quote path), relative to the control.
/// </summary>
public enum Scenario
{
    /// <summary>New router faster at p50 but with a slow tail in the core: PlaceOrder worse at p99 (expected: ROLL_BACK).</summary>
    P99Regression,

    /// <summary>New router faster at p50 and at p99, broker and quotes unchanged (expected: SHIP).</summary>
    Improvement,

    /// <summary>Both arms identical (A/A: expected neither SHIP nor ROLL_BACK).</summary>
    AA,

    /// <summary>New router faster, but the broker rejects four times as many of its orders (expected: ROLL_BACK).</summary>
    Errors,

    /// <summary>New router faster in the core, but its broker round trips are slower (expected: ROLL_BACK on the broker's p99).</summary>
    SlowBroker,

    /// <summary>New router faster, but the new quote path holds prices before relaying them (expected: ROLL_BACK on staleness).</summary>
    StaleQuotes,
}
