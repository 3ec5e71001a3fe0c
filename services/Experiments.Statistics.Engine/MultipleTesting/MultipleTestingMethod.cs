namespace Experiments.Statistics.Engine.MultipleTesting;

/// <summary>How p-values of several KPIs of one experiment are adjusted.</summary>
public enum MultipleTestingMethod
{
    /// <summary>Holm's step-down procedure: controls the family-wise error rate under any dependence. The default.</summary>
    Holm,

    /// <summary>Benjamini–Hochberg step-up procedure: controls the false discovery rate (independent or positively dependent tests).</summary>
    BenjaminiHochberg,
}
