using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Sdk.Tests.Unit;

/// <summary>
/// The SDK's variant services replace Microsoft.FeatureManagement's: for the same flag and registrations they must
/// hand out the implementation Microsoft.FeatureManagement's own would — keyed by variant name first, then by
/// alias or class name, ignoring case; none when no implementation is named after the variant.
/// </summary>
public sealed class VariantServiceResolutionTests
{
    private const string Flag = "checkout-theme";

    public interface ITheme;

    public sealed class BlueTheme : ITheme;

    [VariantServiceAlias("GREEN")]
    public sealed class GreenTheme : ITheme;

    public sealed class Red : ITheme;

    [Fact]
    public async Task Implementations_are_found_as_FeatureManagement_finds_them()
    {
        using var reference = Build(services => services.AddFeatureManagement().WithVariantService<ITheme>(Flag));
        using var sdk = Build(services => services.AddExperiments().WithVariantService<ITheme>(Flag));
        var expectedProvider = reference.GetRequiredService<IContextualVariantServiceProvider<ITheme>>();
        var contextual = sdk.GetRequiredService<IContextualVariantServiceProvider<ITheme>>();
        var ambient = sdk.GetRequiredService<IVariantServiceProvider<ITheme>>();

        var seen = new HashSet<string>();
        for (var i = 0; i < 400; i++)
        {
            var target = new TargetingContext { UserId = "user-" + i, Groups = [] };
            var expected = Name(await expectedProvider.GetServiceAsync(target, CancellationToken.None));
            Assert.Equal(expected, Name(await contextual.GetServiceAsync(target, CancellationToken.None)));
            using (ExperimentsContext.ForUnit(target.UserId))
            {
                Assert.Equal(expected, Name(await ambient.GetServiceAsync(CancellationToken.None)));
            }
            seen.Add(expected);
        }
        Assert.Equal(["(none)", nameof(BlueTheme), nameof(GreenTheme), nameof(Red)], seen.Order());
    }

    private static string Name(ITheme? theme) => theme?.GetType().Name ?? "(none)";

    private static ServiceProvider Build(Action<IServiceCollection> featureManagement)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["feature_management:feature_flags:0:id"] = Flag,
            ["feature_management:feature_flags:0:enabled"] = "true",
            ["feature_management:feature_flags:0:allocation:seed"] = "themes",
            ["feature_management:feature_flags:0:variants:0:name"] = "blue",
            ["feature_management:feature_flags:0:variants:1:name"] = "green",
            ["feature_management:feature_flags:0:variants:2:name"] = "red",
            ["feature_management:feature_flags:0:variants:3:name"] = "purple",
            ["feature_management:feature_flags:0:allocation:percentile:0:variant"] = "blue",
            ["feature_management:feature_flags:0:allocation:percentile:0:from"] = "0",
            ["feature_management:feature_flags:0:allocation:percentile:0:to"] = "25",
            ["feature_management:feature_flags:0:allocation:percentile:1:variant"] = "green",
            ["feature_management:feature_flags:0:allocation:percentile:1:from"] = "25",
            ["feature_management:feature_flags:0:allocation:percentile:1:to"] = "50",
            ["feature_management:feature_flags:0:allocation:percentile:2:variant"] = "red",
            ["feature_management:feature_flags:0:allocation:percentile:2:from"] = "50",
            ["feature_management:feature_flags:0:allocation:percentile:2:to"] = "75",
            ["feature_management:feature_flags:0:allocation:percentile:3:variant"] = "purple",
            ["feature_management:feature_flags:0:allocation:percentile:3:from"] = "75",
            ["feature_management:feature_flags:0:allocation:percentile:3:to"] = "100",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        featureManagement(services);
        services.AddKeyedSingleton<ITheme, BlueTheme>("blue");
        services.AddSingleton<ITheme, GreenTheme>();
        services.AddSingleton<ITheme, Red>();
        return services.BuildServiceProvider();
    }
}
