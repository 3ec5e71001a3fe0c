namespace Experiments.Clients.Traffic;

/// <summary>Settings of <see cref="PostmanCollectionExport"/>.</summary>
public sealed record PostmanExportOptions
{
    /// <summary>The collection's name, shown in Postman.</summary>
    public string Name { get; init; } = "Recorded traffic";

    /// <summary>What the collection's text says about where the exchanges came from (the filter).</summary>
    public string Description { get; init; } = "";

    /// <summary>Folders per client (default) or per API.</summary>
    public PostmanGrouping GroupBy { get; init; } = PostmanGrouping.Client;

    /// <summary>Where the requests go: the <c>baseUrl</c> variable's value. Default: the recorded authority.</summary>
    public ExportTarget Target { get; init; } = ExportTarget.Recorded;

    /// <summary>The collection's <c>_postman_id</c>; a new one when null.</summary>
    public Guid? CollectionId { get; init; }
}
