using System.Text.Json;
using Experiments.Assignment.Definitions;
using Microsoft.Data.Sqlite;

namespace Experiments.Assignment.Storage;

/// <summary>
/// Local-mode store: one SQLite file in write-ahead-log mode with <c>synchronous=FULL</c>, so a commit that
/// returned survives a crash or power loss. A commit runs in one immediate transaction: revision check, new
/// revision row with its audit record, latest-revision row, store version.
/// </summary>
public sealed class SqliteExperimentStore : IExperimentStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS store_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
        INSERT OR IGNORE INTO store_version (id, version) VALUES (1, 0);
        CREATE TABLE IF NOT EXISTS experiments (
            id TEXT PRIMARY KEY,
            revision INTEGER NOT NULL,
            definition TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS revisions (
            experiment_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            version INTEGER NOT NULL UNIQUE,
            definition TEXT NOT NULL,
            audit TEXT NOT NULL,
            PRIMARY KEY (experiment_id, revision));
        """;

    private readonly string _connectionString;

    public SqliteExperimentStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, Schema);
    }

    public string Path { get; }

    public async Task<StoreSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var transaction = connection.BeginTransaction(deferred: true);
        var version = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var experiments = new List<ExperimentDefinition>();
        await using (var command = Command(connection, transaction, "SELECT definition FROM experiments"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                experiments.Add(Deserialize(reader.GetString(0), StorageJson.Default.ExperimentDefinition));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoreSnapshot(version, experiments);
    }

    public async Task<ExperimentDefinition?> GetRevisionAsync(string experimentId, long revision, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, null,
            "SELECT definition FROM revisions WHERE experiment_id = $id AND revision = $revision",
            ("$id", experimentId), ("$revision", revision));
        var json = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return json is null ? null : Deserialize(json, StorageJson.Default.ExperimentDefinition);
    }

    public bool IsShared => false;

    public async Task<long> CommitAsync(ExperimentDefinition definition, AuditRecord audit, long expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        // Immediate: the write lock is taken up front, so the revision check and the writes see one state.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var check = Command(connection, transaction, "SELECT revision FROM experiments WHERE id = $id", ("$id", definition.Id)))
        {
            var stored = (long?)await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0;
            if (stored != definition.Revision - 1)
            {
                throw new StaleRevisionException(
                    $"experiment '{definition.Id}' is at revision {stored}, not {definition.Revision - 1}; re-read it and retry");
            }
        }
        var storedVersion = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (storedVersion != expectedVersion)
        {
            throw new StaleRevisionException($"the definitions changed concurrently (store version {storedVersion}, expected {expectedVersion}); retry");
        }
        var version = storedVersion + 1;
        var definitionJson = JsonSerializer.Serialize(definition, StorageJson.Default.ExperimentDefinition);
        var auditJson = JsonSerializer.Serialize(audit, StorageJson.Default.AuditRecord);
        await using (var insert = Command(connection, transaction,
            "INSERT INTO revisions (experiment_id, revision, version, definition, audit) VALUES ($id, $revision, $version, $definition, $audit)",
            ("$id", definition.Id), ("$revision", definition.Revision), ("$version", version), ("$definition", definitionJson), ("$audit", auditJson)))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var upsert = Command(connection, transaction,
            "INSERT INTO experiments (id, revision, definition) VALUES ($id, $revision, $definition) " +
            "ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, definition = excluded.definition",
            ("$id", definition.Id), ("$revision", definition.Revision), ("$definition", definitionJson)))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var bump = Command(connection, transaction, "UPDATE store_version SET version = $version WHERE id = 1", ("$version", version)))
        {
            await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    public async Task<AuditPage> ListAuditAsync(string? experimentId, long beforeVersion, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var sql = "SELECT version, audit FROM revisions WHERE ($before = 0 OR version < $before)"
            + (experimentId is null ? "" : " AND experiment_id = $id")
            + " ORDER BY version DESC LIMIT $limit";
        await using var command = Command(connection, null, sql,
            ("$before", beforeVersion), ("$id", experimentId ?? ""), ("$limit", pageSize + 1));
        var records = new List<AuditRecord>();
        long lastVersion = 0;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (records.Count == pageSize)
            {
                more = true;
                break;
            }
            lastVersion = reader.GetInt64(0);
            records.Add(Deserialize(reader.GetString(1), StorageJson.Default.AuditRecord));
        }
        return new AuditPage(records, more ? lastVersion : 0);
    }

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // Taking the write lock and letting it go proves the file is writable without changing it.
        await using var connection = Open();
        Execute(connection, "BEGIN IMMEDIATE; ROLLBACK;");
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Per connection: FULL makes every WAL commit durable (fsync), not just consistent.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        return connection;
    }

    private static async Task<long> ReadVersionAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT version FROM store_version WHERE id = 1");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static T Deserialize<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json, type) ?? throw new InvalidDataException("A stored row holds JSON null.");
}
