using System.Text.RegularExpressions;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Tests.Checks;

/// <summary>CATALOG.md §9: the fifteen manual controls exist, once each, fully described.</summary>
public sealed partial class ManualControlsTests
{
    [GeneratedRegex(@"^KH-(POD|NET|AUTH|LOG|UPG|IMG)-\d{3}$")]
    private static partial Regex CheckIdPattern();

    [Fact(DisplayName = "KH-MAN: all fifteen manual controls exist with unique ids")]
    public void AllFifteenWithUniqueIds()
    {
        var ids = ManualControls.All.Select(c => c.Id).ToList();
        Assert.Equal(Enumerable.Range(1, 15).Select(i => $"KH-MAN-{i:000}"), ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact(DisplayName = "KH-MAN: every manual control has complete text")]
    public void CompleteText() =>
        Assert.All(ManualControls.All, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Title), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Recommendation), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.WhyNotAutomatic), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Evidence), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.ReviewCadence), c.Id);
            Assert.Contains(c.Section, GuideSections.All);
            Assert.All(c.RelatedChecks, id => Assert.Matches(CheckIdPattern(), id));
        });

    [Fact(DisplayName = "KH-MAN: lookup by id is case-insensitive and misses unknown ids")]
    public void Find()
    {
        Assert.Equal("KH-MAN-009", ManualControls.Find("kh-man-009")?.Id);
        Assert.Null(ManualControls.Find("KH-MAN-016"));
    }
}
