namespace KubeHardenPortal.Web.Components.Layout;

/// <summary>The light/dark choice, persisted in a cookie so the first (server) render already has the right colours.</summary>
public static class ThemePreference
{
    public const string CookieName = "khp-theme";

    public static bool IsDark(HttpRequest request) => request.Cookies[CookieName] == "dark";
}

/// <summary>Cascaded by Routes: the theme the page was rendered with.</summary>
public sealed record ThemeState(bool Dark);
