using System.Text.Json;
using KubeHardenPortal.ScanEngine.Checks;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Reporting;

/// <summary>The catalog as JSON (`kubeharden checks --format json`), generated from the check definitions.</summary>
public static class CatalogJsonWriter
{
    public static void Write(Utf8JsonWriter w, IReadOnlyList<CheckDefinition> checks, IReadOnlyList<ManualControl> manual)
    {
        w.WriteStartObject();
        w.WriteString("catalogVersion", CheckCatalog.Version);
        w.WriteString("guide", "NSA/CISA Kubernetes Hardening Guidance v1.2 (August 2022)");
        w.WriteStartArray("checks");
        foreach (var d in checks)
        {
            w.WriteStartObject();
            w.WriteString("id", d.Id);
            w.WriteString("title", d.Title);
            w.WriteString("severity", d.Severity.Text());
            w.WriteString("section", d.Section);
            w.WriteString("guideReference", d.GuideReference);
            w.WriteString("target", d.Target.ToString());
            w.WriteString("rationale", d.Rationale);
            w.WriteString("remediation", d.Remediation);
            w.WriteString("fix", d.FixYaml);
            w.WriteStartObject("references");
            WriteList(w, "kubescape", d.References.Kubescape);
            WriteList(w, "polaris", d.References.Polaris);
            if (d.References.Pss is { } pss)
            {
                w.WriteString("pss", pss);
            }
            else
            {
                w.WriteNull("pss");
            }

            WriteList(w, "cis", d.References.Cis);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("manualControls");
        foreach (var m in manual)
        {
            w.WriteStartObject();
            w.WriteString("id", m.Id);
            w.WriteString("recommendation", m.Recommendation);
            w.WriteString("whyNotAutomatic", m.WhyNotAutomatic);
            w.WriteString("evidence", m.Evidence);
            w.WriteString("reviewCadence", m.ReviewCadence);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        foreach (var i in items)
        {
            w.WriteStringValue(i);
        }

        w.WriteEndArray();
    }
}
