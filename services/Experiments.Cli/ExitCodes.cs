using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Cli;

/// <summary>
/// What <c>exp</c> exits with. Errors: 1 usage or a bad local file, 2 the server refused the request, 3 not found,
/// 4 authentication or permission, 5 unavailable (retry later), 6 any other server failure. <c>verdict --exit-code</c>
/// (and <c>watch --exit-code</c>) map the decision: 0 SHIP, 10 KEEP_RUNNING, 11 INCONCLUSIVE, 12 ROLL_BACK, 13 INVALID,
/// 14 no decision.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Refused = 2;
    public const int NotFound = 3;
    public const int Auth = 4;
    public const int Unavailable = 5;
    public const int ServerError = 6;

    public const int KeepRunning = 10;
    public const int Inconclusive = 11;
    public const int RollBack = 12;
    public const int Invalid = 13;
    public const int NoDecision = 14;

    public static int ForStatus(StatusCode code) => code switch
    {
        StatusCode.OK => Ok,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists
            or StatusCode.Aborted or StatusCode.OutOfRange => Refused,
        StatusCode.NotFound => NotFound,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => Auth,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted => Unavailable,
        _ => ServerError,
    };

    public static int ForDecision(VerdictDecision decision) => decision switch
    {
        VerdictDecision.Ship => Ok,
        VerdictDecision.KeepRunning => KeepRunning,
        VerdictDecision.Inconclusive => Inconclusive,
        VerdictDecision.RollBack => RollBack,
        VerdictDecision.Invalid => Invalid,
        _ => NoDecision,
    };
}
