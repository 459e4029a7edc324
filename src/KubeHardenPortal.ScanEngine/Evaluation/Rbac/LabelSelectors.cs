using System.Text.Json;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Evaluation.Rbac;

/// <summary>metav1.LabelSelector semantics: matchLabels AND matchExpressions (In, NotIn, Exists, DoesNotExist).</summary>
internal static class LabelSelectors
{
    /// <summary>
    /// True when the selector selects <paramref name="labels"/>. An empty selector (<c>{}</c>) selects everything;
    /// a missing/null selector or an unknown operator selects nothing, as LabelSelectorAsSelector does.
    /// </summary>
    public static bool Matches(JsonElement selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var p in selector.Get("matchLabels").Props())
        {
            if (!labels.TryGetValue(p.Name, out var v) || v != (p.Value.Str() ?? ""))
            {
                return false;
            }
        }

        foreach (var expr in selector.Get("matchExpressions").Items())
        {
            var key = expr.Str("key") ?? "";
            var values = expr.Strings("values").ToList();
            var has = labels.TryGetValue(key, out var value);
            var ok = expr.Str("operator") switch
            {
                "In" => has && values.Contains(value!),
                "NotIn" => !has || !values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
