using Microsoft.Data.Sqlite;

namespace Experiments.Statistics.Checkpoints;

/// <summary>
/// Checkpoints in a SQLite file under the data folder: one row per shard holding the applied log positions and
/// the aggregation state in a single blob, so that a commit makes both durable together (WAL, synchronous=FULL).
/// </summary>
internal sealed class SqliteCheckpointStore : ICheckpointStore
{
    private readonly string _connectionString;

    public SqliteCheckpointStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS checkpoint (shard TEXT PRIMARY KEY, sequence INTEGER NOT NULL, state BLOB NOT NULL);
            """;
        command.ExecuteNonQuery();
    }

    public async Task SaveAsync(string shard, long sequence, byte[] state, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO checkpoint (shard, sequence, state) VALUES ($shard, $sequence, $state) " +
            "ON CONFLICT(shard) DO UPDATE SET sequence = excluded.sequence, state = excluded.state";
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$sequence", sequence);
        command.Parameters.AddWithValue("$state", state);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<byte[]?> LoadAsync(string shard, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM checkpoint WHERE shard = $shard";
        command.Parameters.AddWithValue("$shard", shard);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
