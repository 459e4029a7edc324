using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using KubeHardenPortal.Web.Tests.Infrastructure;

namespace KubeHardenPortal.Web.Tests.Browser;

/// <summary>
/// The portal on a real Kestrel port and the system Chromium (never `playwright install`). Screenshots go to
/// artifacts/screenshots/ at the repository root.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly bool _ownsHost;

    private BrowserSession(PortalWebFactoryBase web, bool ownsHost, IPlaywright playwright, IBrowser browser, string baseUrl)
    {
        Web = web;
        _ownsHost = ownsHost;
        Playwright = playwright;
        Browser = browser;
        BaseUrl = baseUrl.TrimEnd('/');
    }

    public PortalWebFactoryBase Web { get; }
    public IPlaywright Playwright { get; }
    public IBrowser Browser { get; }
    public string BaseUrl { get; }

    public static string ScreenshotDir { get; } = FindScreenshotDir();

    public const string Chromium = "/usr/bin/chromium";

    public static Task<BrowserSession> StartAsync(string appConnectionString)
    {
        var web = new PortalWebFactory(appConnectionString);
        web.UseKestrel(0);
        web.StartServer();
        return AttachAsync(web, ownsHost: true);
    }

    /// <summary>A browser on a host already started on a real port (<c>UseKestrel</c>), such as the SSO portal's.</summary>
    public static async Task<BrowserSession> AttachAsync(PortalWebFactoryBase web, bool ownsHost = false)
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: apt-get install -y chromium (browser tests never download a browser)");
        }

        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        return new BrowserSession(web, ownsHost, playwright, browser, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Console errors of every page (a CSP violation or a failed script shows up here).</summary>
    public List<string> ConsoleErrors { get; } = [];

    public async Task<IPage> NewPageAsync(int width = 1440, int height = 900)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = BaseUrl });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (ConsoleErrors)
                {
                    ConsoleErrors.Add($"{page.Url}: {message.Text}");
                }
            }
        };
        return page;
    }

    /// <summary>Prerendered pages are not interactive yet: wait for the circuit before clicking.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("#khp-interactive[data-interactive='true']").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        if (_ownsHost)
        {
            await Web.DisposeAsync();
        }
    }

    private static string FindScreenshotDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeHardenPortal.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}
