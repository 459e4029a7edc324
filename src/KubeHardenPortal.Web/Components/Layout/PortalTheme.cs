using MudBlazor;

namespace KubeHardenPortal.Web.Components.Layout;

/// <summary>The product's look: slate neutrals, indigo primary, a dark navigation rail in both modes.</summary>
public static class PortalTheme
{
    private static readonly string[] Font = ["Inter", "Segoe UI", "system-ui", "-apple-system", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static readonly MudTheme Instance = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4F46E5",
            Secondary = "#0EA5E9",
            Tertiary = "#14B8A6",
            Success = "#16A34A",
            Warning = "#D97706",
            Error = "#DC2626",
            Info = "#0284C7",
            Background = "#F6F7FB",
            BackgroundGray = "#EEF0F6",
            Surface = "#FFFFFF",
            AppbarBackground = "#FFFFFF",
            AppbarText = "#0F172A",
            DrawerBackground = "#0F172A",
            DrawerText = "#CBD5E1",
            DrawerIcon = "#94A3B8",
            TextPrimary = "#0F172A",
            TextSecondary = "#475569",
            LinesDefault = "#E2E8F0",
            LinesInputs = "#CBD5E1",
            TableLines = "#E2E8F0",
            Divider = "#E2E8F0",
            ActionDefault = "#475569",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818CF8",
            Secondary = "#38BDF8",
            Tertiary = "#2DD4BF",
            Success = "#22C55E",
            Warning = "#F59E0B",
            Error = "#F87171",
            Info = "#38BDF8",
            Background = "#0B1120",
            BackgroundGray = "#111827",
            Surface = "#111827",
            AppbarBackground = "#0F172A",
            AppbarText = "#E2E8F0",
            DrawerBackground = "#070B16",
            DrawerText = "#CBD5E1",
            DrawerIcon = "#94A3B8",
            TextPrimary = "#E5E7EB",
            TextSecondary = "#9CA3AF",
            LinesDefault = "#1F2937",
            LinesInputs = "#374151",
            TableLines = "#1F2937",
            Divider = "#1F2937",
            ActionDefault = "#9CA3AF",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "10px", DrawerWidthLeft = "248px", AppbarHeight = "60px" },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Font, LetterSpacing = "normal" },
            H4 = new H4Typography { FontFamily = Font, FontWeight = "700", FontSize = "1.75rem", LetterSpacing = "-0.02em" },
            H5 = new H5Typography { FontFamily = Font, FontWeight = "700", FontSize = "1.35rem", LetterSpacing = "-0.01em" },
            H6 = new H6Typography { FontFamily = Font, FontWeight = "600", FontSize = "1.05rem" },
            Button = new ButtonTypography { FontFamily = Font, FontWeight = "600", TextTransform = "none", LetterSpacing = "normal" },
            Overline = new OverlineTypography { FontFamily = Font, FontWeight = "700", LetterSpacing = "0.08em" },
        },
    };
}
