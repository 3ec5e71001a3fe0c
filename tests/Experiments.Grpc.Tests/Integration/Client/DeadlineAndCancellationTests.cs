using Experiments.Testing.V1;

namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>
/// Deadlines end calls with DEADLINE_EXCEEDED, the caller's token and Dispose with CANCELLED, and the
/// server's handler sees its call cancelled. The server waits far longer than any deadline here, and tests
/// that cancel first wait until the handler is waiting, so no outcome depends on timing.
/// </summary>
public sealed class DeadlineAndCancellationTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    private const int ServerWaitMs = 60_000;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static DateTime SoonUtc => DateTime.UtcNow.AddMilliseconds(200);

    [Fact]
    public async Task Deadline_passes_while_server_sleeps_gives_DEADLINE_EXCEEDED()
    {
        using var channel = fixture.Server.CreateChannel();

        using var call = new EchoClient(channel).EchoAsync(new EchoRequest { DelayMs = ServerWaitMs }, new CallOptions(deadline: SoonUtc));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Guard));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Deadline_passes_between_streamed_responses_gives_DEADLINE_EXCEEDED()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).ExpandEcho(new EchoRequest { Message = "slow", Count = 1, DelayMs = ServerWaitMs }, new CallOptions(deadline: SoonUtc));

        // The first response may or may not be read before the deadline; the stream must end in DEADLINE_EXCEEDED.
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Guard))
            {
            }
        });

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Deadline_already_passed_fails_the_call_without_sending_it()
    {
        using var channel = fixture.Server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new EchoClient(channel).EchoAsync(new EchoRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(-1))).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Deadline_far_enough_away_lets_the_call_succeed()
    {
        using var channel = fixture.Server.CreateChannel();

        var response = await new EchoClient(channel).EchoAsync(new EchoRequest { Message = "in time" }, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(5)));

        Assert.Equal("in time", response.Message);
    }

    [Fact]
    public void Deadline_in_local_time_is_refused()
    {
        using var channel = fixture.Server.CreateChannel();

        Assert.Throws<ArgumentException>(() =>
            new EchoClient(channel).EchoAsync(new EchoRequest(), new CallOptions(deadline: DateTime.Now.AddMinutes(1))));
    }

    [Fact]
    public async Task Cancelling_the_callers_token_gives_CANCELLED_and_cancels_the_server_handler()
    {
        using var channel = fixture.Server.CreateChannel();
        using var cts = new CancellationTokenSource();
        var key = Guid.NewGuid().ToString();

        using var call = new EchoClient(channel).EchoAsync(new EchoRequest { Message = key, DelayMs = ServerWaitMs }, new CallOptions(cancellationToken: cts.Token));
        await fixture.Observer.WhenWaiting(key).WaitAsync(Guard);
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Guard));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await fixture.Observer.WhenCancelled(key).WaitAsync(Guard);
    }

    [Fact]
    public async Task Token_cancelled_before_the_call_gives_CANCELLED()
    {
        using var channel = fixture.Server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new EchoClient(channel).EchoAsync(new EchoRequest(), new CallOptions(cancellationToken: new CancellationToken(canceled: true))).ResponseAsync);

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Disposing_a_running_duplex_call_gives_CANCELLED_to_a_pending_read()
    {
        using var channel = fixture.Server.CreateChannel();
        var key = Guid.NewGuid().ToString();
        var call = new EchoClient(channel).StreamEcho();

        await call.RequestStream.WriteAsync(new EchoRequest { Message = key, DelayMs = ServerWaitMs });
        await fixture.Observer.WhenWaiting(key).WaitAsync(Guard);
        var read = call.ResponseStream.MoveNext(CancellationToken.None);
        call.Dispose();
        var error = await Assert.ThrowsAsync<RpcException>(() => read.WaitAsync(Guard));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        await fixture.Observer.WhenCancelled(key).WaitAsync(Guard);
        await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
    }

    [Fact]
    public async Task Cancelling_the_token_of_a_read_cancels_the_call()
    {
        using var channel = fixture.Server.CreateChannel();
        using var call = new EchoClient(channel).ExpandEcho(new EchoRequest { Count = 0, DelayMs = ServerWaitMs });
        using var cts = new CancellationTokenSource();

        var read = call.ResponseStream.MoveNext(cts.Token);
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => read.WaitAsync(Guard));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Disposing_a_finished_call_keeps_its_status()
    {
        using var channel = fixture.Server.CreateChannel();
        var call = new EchoClient(channel).EchoAsync(new EchoRequest { Message = "done" });
        await call;

        call.Dispose();

        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
