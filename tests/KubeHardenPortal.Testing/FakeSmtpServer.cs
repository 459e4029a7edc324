using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KubeHardenPortal.Testing;

/// <summary>One message as the fake SMTP server received it: envelope and the raw DATA (headers and body, dot-unstuffed).</summary>
public sealed record ReceivedMail(string MailFrom, IReadOnlyList<string> Recipients, string Data);

/// <summary>
/// A plain-text SMTP server on a random loopback port (220, EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT; no
/// TLS, no AUTH), so the real SMTP clients are tested over a real socket. It records messages and nothing else.
/// </summary>
public sealed class FakeSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentQueue<ReceivedMail> _messages = new();
    private readonly SemaphoreSlim _received = new(0);

    /// <param name="port">0 for any free port; a fixed one to bring a relay "back up" where a client was told to connect.</param>
    public FakeSmtpServer(int port = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyCollection<ReceivedMail> Messages => _messages;

    /// <summary>Waits for the next message to be accepted (250 after the final dot).</summary>
    public async Task<ReceivedMail> WaitForMessageAsync(Func<ReceivedMail, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var found = _messages.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            try
            {
                await _received.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching message within {timeout}; {_messages.Count} received");
            }
        }
    }

    /// <summary>A loopback port nothing listens on (bound, then released), for "SMTP server unreachable" tests.</summary>
    public static int UnusedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client, ct), ct);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 fake-smtp.test ESMTP ready");
            string? from = null;
            var rcpt = new List<string>();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake-smtp.test");
                        await writer.WriteLineAsync("250-8BITMIME");
                        await writer.WriteLineAsync("250 SMTPUTF8");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 fake-smtp.test");
                        break;
                    case "MAIL":
                        from = Address(line);
                        rcpt.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        rcpt.Add(Address(line));
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        if (from is null || rcpt.Count == 0)
                        {
                            await writer.WriteLineAsync("503 MAIL FROM and RCPT TO first");
                            break;
                        }

                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(ct) is { } d && d != ".")
                        {
                            data.Append(d.StartsWith('.') ? d[1..] : d).Append("\r\n");
                        }

                        _messages.Enqueue(new ReceivedMail(from, [.. rcpt], data.ToString()));
                        from = null;
                        rcpt.Clear();
                        await writer.WriteLineAsync("250 OK queued");
                        _received.Release();
                        break;
                    case "RSET":
                        from = null;
                        rcpt.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 Command not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client hung up or the server is stopping.
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
        _received.Dispose();
    }
}
