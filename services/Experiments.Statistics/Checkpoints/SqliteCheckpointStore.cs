using Microsoft.Data.Sqlite;

namespace Experiments.Statistics.Checkpoints;

/// <summary>
/// Checkpoints in a SQLite file under the data folder (WAL, synchronous=FULL): per shard one full record and the delta
/// records written after it. A full record replaces the previous one and deletes its deltas in the same transaction.
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
            CREATE TABLE IF NOT EXISTS checkpoint_delta (shard TEXT NOT NULL, sequence INTEGER NOT NULL, state BLOB NOT NULL, PRIMARY KEY (shard, sequence));
            """;
        command.ExecuteNonQuery();
    }

    public bool SupportsDeltas => true;

    public async Task SaveAsync(string shard, long sequence, byte[] record, bool full, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        if (full)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM checkpoint_delta WHERE shard = $shard", shard, sequence, null, cancellationToken);
            await ExecuteAsync(connection, transaction, "INSERT INTO checkpoint (shard, sequence, state) VALUES ($shard, $sequence, $state) " +
                "ON CONFLICT(shard) DO UPDATE SET sequence = excluded.sequence, state = excluded.state", shard, sequence, record, cancellationToken);
        }
        else
        {
            await ExecuteAsync(connection, transaction, "INSERT INTO checkpoint_delta (shard, sequence, state) VALUES ($shard, $sequence, $state)",
                shard, sequence, record, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<byte[]>?> LoadAsync(string shard, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT state FROM (SELECT 0 AS part, sequence, state FROM checkpoint WHERE shard = $shard
            UNION ALL SELECT 1, d.sequence, d.state FROM checkpoint_delta d JOIN checkpoint c ON c.shard = d.shard
            WHERE d.shard = $shard AND d.sequence > c.sequence) ORDER BY part, sequence
            """;
        command.Parameters.AddWithValue("$shard", shard);
        var records = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add((byte[])reader[0]);
        }
        return records.Count == 0 ? null : records;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, string shard, long sequence, byte[]? state, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$sequence", sequence);
        if (state is not null)
        {
            command.Parameters.AddWithValue("$state", state);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // Taking the write lock and letting it go proves the file is writable without changing it.
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
        await command.ExecuteNonQueryAsync(cancellationToken);
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
