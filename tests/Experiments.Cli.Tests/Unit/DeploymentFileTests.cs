using YamlDotNet.RepresentationModel;

namespace Experiments.Cli.Tests.Unit;

/// <summary>
/// The deployment files parse and carry what Dapr and Tye require of them, and they agree with the services'
/// defaults (component names, topic, route). No daprd here: this checks our side of the contract.
/// </summary>
public sealed class DeploymentFileTests
{
    private static readonly string Dapr = Path.Combine(AppContext.BaseDirectory, "dapr");

    public static TheoryData<string> DaprFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "dapr"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "dapr"), file));
        }
        return files;
    }

    [Theory]
    [MemberData(nameof(DaprFiles))]
    public void Every_dapr_file_is_a_resource_with_api_version_kind_name_and_spec(string file)
    {
        var root = Load(Path.Combine(Dapr, file));

        Assert.Matches(@"^dapr\.io/v[0-9]+(alpha[0-9]+)?$", Text(root, "apiVersion"));
        Assert.Contains(Text(root, "kind"), new[] { "Component", "Configuration", "Resiliency", "Subscription" });
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Text(root, "metadata", "name"));
        Assert.IsType<YamlMappingNode>(root.Children[new YamlScalarNode("spec")]);
    }

    [Theory]
    [InlineData("components/pubsub.yaml", "pubsub", "pubsub.redis")]
    [InlineData("components/statestore.yaml", "statestore", "state.redis")]
    [InlineData("variants/statestore-postgresql.yaml", "statestore", "state.postgresql")]
    public void Components_have_the_names_the_services_use_and_a_type_and_version(string file, string name, string type)
    {
        var root = Load(Path.Combine(Dapr, file));

        Assert.Equal("Component", Text(root, "kind"));
        Assert.Equal(name, Text(root, "metadata", "name"));
        Assert.Equal(type, Text(root, "spec", "type"));
        Assert.Matches("^v[0-9]+$", Text(root, "spec", "version"));
        var metadata = Assert.IsType<YamlSequenceNode>(((YamlMappingNode)root.Children[new YamlScalarNode("spec")]).Children[new YamlScalarNode("metadata")]);
        Assert.All(metadata.Children, item =>
        {
            var entry = Assert.IsType<YamlMappingNode>(item);
            Assert.False(string.IsNullOrEmpty(Text(entry, "name")));
            Assert.True(entry.Children.ContainsKey(new YamlScalarNode("value")) || entry.Children.ContainsKey(new YamlScalarNode("secretKeyRef")));
        });
    }

    [Fact]
    public void Subscription_routes_experiment_events_to_the_statistics_services_delivery_route()
    {
        var root = Load(Path.Combine(Dapr, "subscriptions", "experiment-events.yaml"));

        Assert.Equal("dapr.io/v2alpha1", Text(root, "apiVersion"));
        Assert.Equal("Subscription", Text(root, "kind"));
        Assert.Equal("pubsub", Text(root, "spec", "pubsubname"));
        Assert.Equal("experiment-events", Text(root, "spec", "topic"));
        // Statistics serves POST /dapr/events/{Dapr:Topic} (services/Experiments.Statistics/Dapr/DaprDeliveryEndpoints.cs).
        Assert.Equal("/dapr/events/experiment-events", Text(root, "spec", "routes", "default"));
        Assert.Equal(["statistics"], ((YamlSequenceNode)root.Children[new YamlScalarNode("scopes")]).Children.Select(n => ((YamlScalarNode)n).Value));
    }

    [Fact]
    public void Resiliency_targets_only_policies_it_defines()
    {
        var root = Load(Path.Combine(Dapr, "components", "resiliency.yaml"));
        var spec = (YamlMappingNode)root.Children[new YamlScalarNode("spec")];
        var policies = (YamlMappingNode)spec.Children[new YamlScalarNode("policies")];
        var defined = policies.Children.Values.Cast<YamlMappingNode>()
            .SelectMany(kind => kind.Children.Keys.Select(k => ((YamlScalarNode)k).Value!)).ToHashSet(StringComparer.Ordinal);

        var referenced = Descendants(spec.Children[new YamlScalarNode("targets")])
            .OfType<YamlMappingNode>()
            .SelectMany(m => m.Children)
            .Where(p => ((YamlScalarNode)p.Key).Value is "timeout" or "retry" or "circuitBreaker")
            .Select(p => ((YamlScalarNode)p.Value).Value!)
            .ToList();

        Assert.NotEmpty(referenced);
        Assert.All(referenced, name => Assert.Contains(name, defined));
    }

    [Fact]
    public void Tye_declares_the_three_services_with_the_dapr_extension()
    {
        var root = Load(Path.Combine(AppContext.BaseDirectory, "tye.yaml"));

        var extensions = (YamlSequenceNode)root.Children[new YamlScalarNode("extensions")];
        var dapr = Assert.Single(extensions.Children.Cast<YamlMappingNode>(), e => Text(e, "name") == "dapr");
        Assert.Equal("dapr/components", Text(dapr, "components-path"));
        var services = ((YamlSequenceNode)root.Children[new YamlScalarNode("services")]).Children.Cast<YamlMappingNode>().ToList();
        foreach (var (name, project) in new[] { ("assignment", "Assignment"), ("ingestion", "Ingestion"), ("statistics", "Statistics") })
        {
            var service = Assert.Single(services, s => Text(s, "name") == name);
            Assert.Equal($"services/Experiments.{project}/Experiments.{project}.csproj", Text(service, "project"));
            Assert.True(File.Exists(Path.Combine(RepositoryRoot(), Text(service, "project"))), name);
        }
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(path);
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static string Text(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            current = ((YamlMappingNode)current).Children[new YamlScalarNode(key)];
        }
        return Assert.IsType<YamlScalarNode>(current).Value ?? "";
    }

    private static IEnumerable<YamlNode> Descendants(YamlNode node)
    {
        yield return node;
        var children = node switch
        {
            YamlMappingNode mapping => mapping.Children.Values,
            YamlSequenceNode sequence => sequence.Children,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
