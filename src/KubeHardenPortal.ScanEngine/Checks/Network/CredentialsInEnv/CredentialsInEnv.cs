using System.Buffers;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;
using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks.Network;

/// <summary>KH-NET-017: no literal credentials in container environment variables or arguments (CATALOG.md §3).</summary>
public sealed class CredentialsInEnv : WorkloadCheck
{
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    public override CheckDefinition Definition { get; } = new()
    {
        Id = "KH-NET-017",
        Title = "No credentials in pod environment or arguments",
        Severity = Severity.High,
        Section = GuideSections.Network,
        GuideReference = "Network separation → Secrets (keep credentials in Secrets/KMS, not in manifests or environment variables)",
        Target = CheckTarget.Container,
        Rationale = "Literal credentials in env values or command-line arguments are stored in the workload object, " +
                    "readable by everyone who can get pods or deployments, shown by kubectl describe, copied into " +
                    "last-applied annotations, Git and CI logs, and visible in the process table of the node.",
        Remediation = "Move the value into a Secret (or an external secret store) and mount it as a file; reference it by " +
                      "path instead of passing it in the environment or on the command line. Remove the literal from the " +
                      "kubectl.kubernetes.io/last-applied-configuration annotation and rotate the credential.",
        FixYaml = """
            env:
            - name: DB_PASSWORD_FILE
              value: /var/run/secrets/db/password
            volumeMounts:
            - {name: db, mountPath: /var/run/secrets/db, readOnly: true}
            volumes:
            - {name: db, secret: {secretName: orders-db}}
            """,
        References = new(["C-0012", "C-0207"], ["sensitiveContainerEnvVar"], null, ["5.4.1"]),
    };

    protected override bool AppliesToWindows => true;

    // Credentials typed into a kubectl-debug container are just as exposed.
    protected override bool EvaluatesEphemeralOnlyPods => true;

    protected override void EvaluateWorkload(ScanContext context, Workload workload, Unit unit)
    {
        var scanner = context.NetworkPolicies.Credentials;
        List<string>? literals = null;
        // Indexed: foreach over the IReadOnlyList would box its enumerator on every workload.
        var containers = workload.AllContainers;
        for (var ci = 0; ci < containers.Count; ci++)
        {
            var c = containers[ci];
            var i = 0;
            foreach (var env in c.Json.Items("env"))
            {
                var name = env.Str("name") ?? "";
                var value = env.Get("value").Str();
                if (!string.IsNullOrEmpty(value) && scanner.CheckNameValue(name, value) is { } hit)
                {
                    unit.Fail($"container \"{c.Name}\": env \"{name}\" holds a literal credential ({hit.Reason}): {hit.Masked}",
                        $"{c.Path}.env[{i}].value", hit.Masked, c, key: $"env:{name}");
                    (literals ??= []).Add(value);
                }

                if (env.Get("valueFrom").Get("secretKeyRef").Str("name") is { } secret)
                {
                    // Rule 4 (CIS 5.4.1): not a leak, but env values end up in logs, crash dumps and child processes; files are preferred.
                    unit.Advise($"container \"{c.Name}\": env \"{name}\" takes Secret {secret} through secretKeyRef: prefer mounting it as a file",
                        $"{c.Path}.env[{i}].valueFrom.secretKeyRef", secret, c, key: $"secretKeyRef:{name}");
                }

                i++;
            }

            var j = 0;
            foreach (var from in c.Json.Items("envFrom"))
            {
                if (from.Get("secretRef").Str("name") is { } secret)
                {
                    unit.Advise($"container \"{c.Name}\": envFrom imports every key of Secret {secret} as environment variables: prefer mounting it as a file",
                        $"{c.Path}.envFrom[{j}].secretRef", secret, c, key: $"envFrom:{secret}");
                }

                j++;
            }

            // The string items of command, then of args (other items are skipped, as Strings() does).
            var command = c.Json.Get("command");
            var args = c.Json.Get("args");
            if (command.Count() == 0 && args.Count() == 0)
            {
                continue;
            }

            var buffer = ArrayPool<string>.Shared.Rent(command.Count() + args.Count());
            var commandStrings = AddStrings(buffer, 0, command);
            var texts = buffer.AsSpan(0, AddStrings(buffer, commandStrings, args));
            var hits = scanner.CheckArguments(texts);
            var previous = -1;
            for (var h = 0; h < hits.Count; h++)
            {
                var (index, hit) = hits[h];
                // Hits come in argument order; report the first one of each argument.
                if (index == previous)
                {
                    continue;
                }

                previous = index;
                var field = index < commandStrings ? "command" : "args";
                var fieldIndex = field == "command" ? index : index - command.Count();
                // High-confidence token patterns keep the check's severity; name-based argument matches are Medium.
                var severity = hit.Rule == "value" ? Severity.High : Severity.Medium;
                unit.Fail($"container \"{c.Name}\": {field}[{fieldIndex}] passes a credential on the command line ({hit.Reason}): {hit.Masked}",
                    $"{c.Path}.{field}[{fieldIndex}]", hit.Masked, c, severity, key: $"{field}[{fieldIndex}]");
                (literals ??= []).Add(texts[index]);
            }

            ArrayPool<string>.Shared.Return(buffer, clearArray: true);
        }

        // kubectl apply keeps a copy of the literals in an annotation on the object: flag it for cleanup as well.
        if (literals is not null && workload.Object.Annotations.TryGetValue(LastApplied, out var applied) && ContainsAnyLiteral(applied, literals))
        {
            unit.Fail($"the {LastApplied} annotation duplicates the literal credential(s); clean it up after moving them to a Secret",
                "metadata.annotations." + LastApplied, "…(annotation contains the value)", key: "last-applied-configuration");
        }
    }

    // A named method, not a lambda: a lambda capturing the annotation would cost a closure on every workload.
    private static bool ContainsAnyLiteral(string applied, List<string> literals)
    {
        foreach (var l in literals)
        {
            if (applied.Contains(l, StringComparison.Ordinal) || applied.Contains(System.Text.Json.JsonEncodedText.Encode(l).ToString(), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the string items of <paramref name="array"/> from <paramref name="at"/> on; returns the end.</summary>
    private static int AddStrings(string[] texts, int at, CompactJson array)
    {
        foreach (var item in array.Items())
        {
            if (item.Str() is { } s)
            {
                texts[at++] = s;
            }
        }

        return at;
    }
}
