using System.Globalization;
using System.Text;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Captures;

/// <summary>
/// Recorded exchanges and intended-usage declarations in one SQLite file (WAL, synchronous=FULL, so what was acknowledged
/// survives a restart). An exchange is stored serialized, keyed by capture id, with the columns reads filter on beside it.
/// Retention (age, then total bytes, oldest first) runs after every write and on a timer; writes are serialized so the
/// running byte total stays exact.
/// </summary>
internal sealed class CaptureStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS captures (
            capture_id TEXT PRIMARY KEY,
            service TEXT NOT NULL,
            client TEXT NOT NULL,
            unit TEXT NOT NULL,
            api TEXT NOT NULL,
            start_ticks INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            exchange BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS captures_by_start ON captures (start_ticks, capture_id);
        CREATE INDEX IF NOT EXISTS captures_by_client ON captures (client, start_ticks);
        CREATE INDEX IF NOT EXISTS captures_by_api ON captures (api, start_ticks);
        CREATE TABLE IF NOT EXISTS intended_usage (service TEXT PRIMARY KEY, usage BLOB NOT NULL);
        """;

    private readonly string _connectionString;
    private readonly IOptionsMonitor<CaptureOptions> _options;
    private readonly TimeProvider _time;
    private readonly IngestionMetrics _metrics;
    private readonly ILogger<CaptureStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _storedBytes;

    public CaptureStore(string path, IOptionsMonitor<CaptureOptions> options, TimeProvider time, IngestionMetrics metrics, ILogger<CaptureStore> logger)
    {
        Path = System.IO.Path.GetFullPath(path);
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
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
        using var totals = connection.CreateCommand();
        totals.CommandText = "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM captures";
        using var reader = totals.ExecuteReader();
        reader.Read();
        var count = reader.GetInt64(0);
        _storedBytes = reader.GetInt64(1);
        metrics.AttachCaptures(this);
        CaptureLogMessages.Opened(logger, Path, count, _storedBytes);
    }

    public string Path { get; }

    /// <summary>Bytes of the exchanges stored now (their serialized size).</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>Stores the exchanges (already validated) in one transaction; a capture id already stored is a duplicate.</summary>
    public async Task<(int Accepted, int Duplicates)> AddAsync(IReadOnlyList<CapturedExchange> exchanges, CancellationToken cancellationToken)
    {
        var accepted = 0;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using (var connection = Open())
            await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT OR IGNORE INTO captures (capture_id, service, client, unit, api, start_ticks, bytes, exchange)
                    VALUES ($id, $service, $client, $unit, $api, $start, $bytes, $exchange)
                    """;
                var parameters = new[] { "$id", "$service", "$client", "$unit", "$api", "$start", "$bytes", "$exchange" }
                    .Select(name => insert.Parameters.Add(new SqliteParameter { ParameterName = name }))
                    .ToArray();
                var added = 0L;
                foreach (var exchange in exchanges)
                {
                    var payload = exchange.ToByteArray();
                    parameters[0].Value = exchange.CaptureId;
                    parameters[1].Value = exchange.ServiceName;
                    parameters[2].Value = exchange.ClientId;
                    parameters[3].Value = exchange.UnitId;
                    parameters[4].Value = exchange.ApiName;
                    parameters[5].Value = exchange.StartTime.ToDateTimeOffset().UtcTicks;
                    parameters[6].Value = payload.Length;
                    parameters[7].Value = payload;
                    if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
                    {
                        accepted++;
                        added += payload.Length;
                    }
                }
                await transaction.CommitAsync(cancellationToken);
                Interlocked.Add(ref _storedBytes, added);
            }
            await EnforceRetentionLockedAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
        return (accepted, exchanges.Count - accepted);
    }

    /// <summary>Drops captures older than MaxAge, then the oldest until the total is within MaxBytes.</summary>
    public async Task EnforceRetentionAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await EnforceRetentionLockedAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task EnforceRetentionLockedAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        await using var connection = Open();
        var cutoff = (_time.GetUtcNow() - options.MaxAge).UtcTicks;
        var (expired, expiredBytes) = await DeleteAsync(connection, "start_ticks < $cutoff", cutoff, cancellationToken);
        Interlocked.Add(ref _storedBytes, -expiredBytes);
        if (expired > 0)
        {
            _metrics.CapturesDropped(expired, "age");
            CaptureLogMessages.Expired(_logger, expired, expiredBytes);
        }

        var over = StoredBytes - options.MaxBytes;
        if (over <= 0)
        {
            return;
        }
        // The oldest rows whose bytes, added up in start order, first cover the excess.
        var (evicted, evictedBytes) = await DeleteAsync(connection, """
            capture_id IN (SELECT capture_id FROM (
                SELECT capture_id, SUM(bytes) OVER (ORDER BY start_ticks, capture_id ROWS UNBOUNDED PRECEDING) - bytes AS before
                FROM captures ORDER BY start_ticks, capture_id) WHERE before < $cutoff)
            """, over, cancellationToken);
        Interlocked.Add(ref _storedBytes, -evictedBytes);
        _metrics.CapturesDropped(evicted, "bytes");
        CaptureLogMessages.Evicted(_logger, evicted, evictedBytes, options.MaxBytes);
    }

    private static async Task<(int Rows, long Bytes)> DeleteAsync(SqliteConnection connection, string where, long cutoff, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var sum = connection.CreateCommand();
        sum.Transaction = transaction;
        sum.CommandText = $"SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM captures WHERE {where}";
        sum.Parameters.AddWithValue("$cutoff", cutoff);
        long rows, bytes;
        await using (var reader = await sum.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (rows, bytes) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        if (rows > 0)
        {
            await using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = $"DELETE FROM captures WHERE {where}";
            delete.Parameters.AddWithValue("$cutoff", cutoff);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return ((int)rows, bytes);
    }

    /// <summary>Up to <paramref name="limit"/> matching exchanges after <paramref name="after"/>, oldest first, and whether more follow.</summary>
    public async Task<(IReadOnlyList<StoredCapture> Page, bool More)> ListAsync(CaptureQuery query, CapturePageToken? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        var where = Where(command, query);
        if (after is { } position)
        {
            where.Append(" AND (start_ticks > $after_start OR (start_ticks = $after_start AND capture_id > $after_id))");
            command.Parameters.AddWithValue("$after_start", position.StartTicks);
            command.Parameters.AddWithValue("$after_id", position.CaptureId);
        }
        command.CommandText = $"SELECT capture_id, start_ticks, exchange FROM captures WHERE {where} ORDER BY start_ticks, capture_id LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit + 1);
        var rows = await ReadAsync(command, cancellationToken);
        var more = rows.Count > limit;
        return (more ? rows.GetRange(0, limit) : rows, more);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> matching exchanges, oldest first, each reduced by <paramref name="project"/> as it
    /// is read, so a large read holds only what the caller keeps of each exchange.
    /// </summary>
    public async Task<IReadOnlyList<T>> ReadNewestAsync<T>(CaptureQuery query, int limit, Func<CapturedExchange, T> project, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        var where = Where(command, query);
        command.CommandText = $"SELECT exchange FROM captures WHERE {where} ORDER BY start_ticks DESC, capture_id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<T>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(project(CapturedExchange.Parser.ParseFrom((byte[])reader[0])));
            }
        }
        rows.Reverse();
        return rows;
    }

    public async Task SetUsageAsync(IntendedUsage usage, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO intended_usage (service, usage) VALUES ($service, $usage) ON CONFLICT(service) DO UPDATE SET usage = excluded.usage";
            command.Parameters.AddWithValue("$service", usage.ServiceName);
            command.Parameters.AddWithValue("$usage", usage.ToByteArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The declaration stored for a service, or null.</summary>
    public async Task<IntendedUsage?> GetUsageAsync(string serviceName, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT usage FROM intended_usage WHERE service = $service";
        command.Parameters.AddWithValue("$service", serviceName);
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] bytes ? IntendedUsage.Parser.ParseFrom(bytes) : null;
    }

    private static StringBuilder Where(SqliteCommand command, CaptureQuery query)
    {
        var where = new StringBuilder("1 = 1");
        if (query.ServiceName.Length > 0)
        {
            where.Append(" AND service = $service");
            command.Parameters.AddWithValue("$service", query.ServiceName);
        }
        AppendIn(where, command, "client", query.ClientIds);
        AppendIn(where, command, "api", query.ApiNames);
        if (query.UnitId.Length > 0)
        {
            where.Append(" AND unit = $unit");
            command.Parameters.AddWithValue("$unit", query.UnitId);
        }
        if (query.From is { } from)
        {
            where.Append(" AND start_ticks >= $from");
            command.Parameters.AddWithValue("$from", from.UtcTicks);
        }
        if (query.To is { } to)
        {
            where.Append(" AND start_ticks < $to");
            command.Parameters.AddWithValue("$to", to.UtcTicks);
        }
        return where;
    }

    private static void AppendIn(StringBuilder where, SqliteCommand command, string column, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }
        where.Append(" AND ").Append(column).Append(" IN (");
        for (var i = 0; i < values.Count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"${column}{i}");
            where.Append(i == 0 ? "" : ", ").Append(name);
            command.Parameters.AddWithValue(name, values[i]);
        }
        where.Append(')');
    }

    private static async Task<List<StoredCapture>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<StoredCapture>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredCapture(reader.GetString(0), reader.GetInt64(1), CapturedExchange.Parser.ParseFrom((byte[])reader[2])));
        }
        return rows;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; let it go with the store (tests reopen the same file).
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }
        _writeLock.Dispose();
    }
}
