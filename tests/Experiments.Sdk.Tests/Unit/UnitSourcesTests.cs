using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Experiments.Sdk.Tests.Unit;

public sealed class UnitSourcesTests
{
    [Fact]
    public void Groups_come_from_comma_separated_and_repeated_headers_or_from_every_claim_of_a_type()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Append("x-groups", "beta, staff ,");
        context.Request.Headers.Append("x-groups", "preview");
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("groups", "admins"), new Claim("sub", "u1"), new Claim("groups", "beta")], "test"));

        Assert.Equal(["beta", "staff", "preview"], UnitGroupsSource.FromHeader("x-groups").Read(context));
        Assert.Equal(["beta", "staff", "preview"], UnitGroupsSource.FromGrpcMetadata("X-Groups").Read(context));
        Assert.Equal(["admins", "beta"], UnitGroupsSource.FromClaim("groups").Read(context));
        Assert.Empty(UnitGroupsSource.FromHeader("x-none").Read(context));
        Assert.Equal(["a"], UnitGroupsSource.FromDelegate(_ => ["a", ""]).Read(context));
    }

    [Fact]
    public void Sources_bind_from_configuration_as_kind_and_name()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["x-region"] = "eu-west";
        context.Request.Headers["x-user-id"] = "from-header";
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "from-claim"), new Claim("role", "beta")], "test"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Experiments:UserId"] = "claim:sub",
            ["Experiments:SessionId"] = "x-user-id",
            ["Experiments:Groups"] = "Claim : role",
            ["Experiments:Attributes:region"] = "metadata:X-Region",
        }).Build();

        var options = new ExperimentsOptions();
        configuration.GetSection("Experiments").Bind(options);

        Assert.Equal("from-claim", options.UserId.Read(context));
        Assert.Equal("from-header", options.SessionId!.Read(context));
        Assert.Equal(["beta"], options.Groups!.Read(context));
        Assert.Equal("eu-west", Assert.Single(options.Attributes).Value.Read(context));
    }

    [Theory]
    [InlineData("cookie:x")]
    [InlineData("header:")]
    [InlineData("  ")]
    public void A_source_that_names_nothing_known_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => UnitIdSource.Parse(text));
        Assert.Throws<FormatException>(() => UnitGroupsSource.Parse(text));
    }
}
