using Experiments.Ingestion.Traffic;

namespace Experiments.Ingestion.Tests.Traffic;

public sealed class JsonFieldPathsTests
{
    [Fact]
    public void Nested_members_and_array_elements_give_dotted_paths_with_brackets()
    {
        var paths = new HashSet<string>();

        JsonFieldPaths.AddTo(paths, """{"order":{"legs":[{"price":1},{"price":2,"venue":"X"}],"qty":3},"tags":["a","b"]}""");

        Assert.Equal(
            ["order", "order.legs", "order.legs[].price", "order.legs[].venue", "order.qty", "tags"],
            paths.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text")]
    [InlineData("[1, 2]")]
    [InlineData("""{"cut":""")]
    public void Text_that_is_not_a_json_object_has_no_fields(string text)
    {
        var paths = new HashSet<string>();

        JsonFieldPaths.AddTo(paths, text);

        Assert.Empty(paths);
    }
}
