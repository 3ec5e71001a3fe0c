namespace Experiments.Assignment.Definitions;

/// <summary>Lifecycle: Draft → Running → Stopped → Archived (a draft may be archived directly); no way back.</summary>
public enum ExperimentState
{
    Draft = 1,
    Running = 2,
    Stopped = 3,
    Archived = 4,
}

/// <summary>The unit that is hashed into a variant.</summary>
public enum UnitKind
{
    User = 1,
    Session = 2,
    Request = 3,
}

public enum PValueCorrection
{
    Holm = 1,
    BenjaminiHochberg = 2,
    None = 3,
}
