using System.Security.Claims;
using System.Text;
using Experiments.Assignment.Tests.Support;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>JWT bearer tokens beside API keys: scopes from the <c>scope</c> claim, the audit actor from <c>sub</c>.</summary>
public sealed class JwtAuthTests : IAsyncLifetime
{
    private const string SigningKey = "a-test-signing-key-of-at-least-32-bytes!";
    private const string Issuer = "https://issuer.test";
    private const string Audience = "experiments";
    private AssignmentHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _host = await AssignmentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:Jwt:SigningKey"] = SigningKey,
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audiences:0"] = Audience,
        });
        _channel = GrpcChannel.ForAddress(_host.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_token_with_the_admin_scope_defines_experiments_and_is_named_in_the_audit_trail()
    {
        var admin = Admin(Token("alice@example.com", "admin read"));
        var created = await admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("jwt-flag") });
        var audit = await admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { ExperimentId = created.Id });
        Assert.Equal("alice@example.com", audit.AuditEntries.Single().Actor);
    }

    [Fact]
    public async Task A_token_with_only_the_read_scope_is_denied_admin_RPCs_but_may_assign()
    {
        var token = Token("bob", "read");
        var error = await Assert.ThrowsAsync<RpcException>(() => Admin(token).CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("jwt-read") }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var assignment = new Contracts.V1.Assignment.AssignmentClient(_channel.WithApiKey(token));
        Assert.NotNull(await assignment.AssignAsync(new AssignRequest { Context = new EvaluationContext { UserId = "u" } }));
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong-key")]
    [InlineData("wrong-audience")]
    public async Task An_invalid_token_is_unauthenticated(string defect)
    {
        var token = defect switch
        {
            "expired" => Token("carol", "admin", expires: DateTime.UtcNow.AddMinutes(-10)),
            "wrong-key" => Token("carol", "admin", key: "another-signing-key-of-at-least-32-bytes"),
            _ => Token("carol", "admin", audience: "someone-else"),
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => Admin(token).CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("jwt-" + defect) }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task API_keys_keep_working_beside_JWTs()
    {
        Assert.NotNull(await _host.Admin.ListExperimentsAsync(new ListExperimentsRequest()));
    }

    private ExperimentAdmin.ExperimentAdminClient Admin(string token) => new(_channel.WithApiKey(token));

    private static string Token(string subject, string scope, DateTime? expires = null, string key = SigningKey, string audience = Audience)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("scope", scope)]),
            NotBefore = (expires ?? now.AddMinutes(10)).AddMinutes(-20),
            IssuedAt = (expires ?? now.AddMinutes(10)).AddMinutes(-20),
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }
}
