using System.Text;
using System.Text.RegularExpressions;
using KubeHardenPortal.ScanEngine.Evaluation;
using KubeHardenPortal.ScanEngine.Evaluation.Network;

namespace KubeHardenPortal.ScanEngine.Tests.Evaluation.Network;

public sealed partial class CredentialScannerTests
{
    private static readonly CredentialScanner Scanner = CredentialScanner.From(new ScanOptions());

    [Theory]
    [InlineData("Winter-2024-pass!", "Wi…(17 chars)")]
    [InlineData("hunter22", "hu…(8 chars)")]
    [InlineData("abc", "…(3 chars)")]
    [InlineData("", "…(0 chars)")]
    public void Mask_ShowsAtMostTwoCharactersAndTheLength(string value, string masked) =>
        Assert.Equal(masked, SecretMask.Mask(value));

    [Fact]
    public void Entropy()
    {
        Assert.Equal(0, CredentialScanner.Entropy("aaaa"));
        Assert.Equal(2, CredentialScanner.Entropy("abcd"), 6);
        Assert.True(CredentialScanner.Entropy("Winter-2024-pass!") >= 3.0);
        Assert.True(CredentialScanner.Entropy("smtp-creds") < 3.5);
    }

    [Theory]
    [InlineData("DB_PASSWORD", "Winter-2024-pass!", "name")]
    [InlineData("db_password", "Winter-2024-pass!", "name")]
    [InlineData("SIGNING_KEY", "q9X2mV7pL4rT8wZ1kB6n", "name")]
    [InlineData("ANYTHING", "AKIAZ7EXAMPLE2QWERTY", "value")]
    [InlineData("ANYTHING", "ghp_ZZZZ1111aaaa2222bbbb3333cccc4444dddd", "value")]
    [InlineData("ANYTHING", "AIzaSyA-1234567890abcdefghijklmnopqrstu", "value")]
    [InlineData("ANYTHING", "xoxb-1234567890-abcdefghij", "value")]
    [InlineData("ANYTHING", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ", "value")]
    [InlineData("ANYTHING", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----", "value")]
    [InlineData("DATABASE_URL", "postgres://orders:Tundra-Falcon@db:5432/orders", "value")]
    [InlineData("PASSWORD", "aaaaaaaaaaaaaaaaaa", "name")] // a weak literal password is still a literal password
    [InlineData("db_password", "abc123", "name")]
    [InlineData("AWS_SECRET_ACCESS_KEY", "xxxxx", "name")]
    [InlineData("OCI_CLI_KEY_CONTENT", "xxxxx", "name")]
    [InlineData("ANYTHING", "---BEGIN RSA PRIVATE KEY---\nMIIEow\n---END RSA PRIVATE KEY---", "value")] // hand-edited header
    public void Finds(string name, string value, string rule)
    {
        var hit = Scanner.CheckNameValue(name, value);
        Assert.NotNull(hit);
        Assert.Equal(rule, hit.Rule);
        Assert.DoesNotContain(value, hit.Masked + hit.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SMTP_PASSWORD_SECRET", "smtp-creds")] // catalog PASS example: short, low-entropy name-only match
    [InlineData("DB_PASSWORD_FILE", "/var/run/secrets/db/password")]
    [InlineData("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)")]
    [InlineData("DB_PASSWORD", "${DB_PASSWORD}")]
    [InlineData("ENABLE_TOKEN_AUTH", "true")]
    [InlineData("TOKEN_TTL", "3600")]
    [InlineData("CACHE_KEY_PREFIX", "sessions")]
    [InlineData("OAUTH_TOKEN_URL", "https://auth.example.org/oauth2/v1/token")]
    [InlineData("API_KEY", "{{ .Values.apiKey }}")]
    [InlineData("DB_SECRET_NAME", "orders-db")] // names a Secret object
    [InlineData("TOKEN_AUDIENCE", "orders-api")] // metadata about a token, not a token
    [InlineData("KEY_NAME", "primary")] // broad "key" with a short, plain value
    [InlineData("HOSTNAME", "q9X2mV7pL4rT8wZ1kB6n")] // random but the name says nothing
    [InlineData("DATABASE_URL", "postgres://orders:${DB_PASSWORD}@db:5432/orders")]
    [InlineData("TLS_CA", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUtestonly\n-----END CERTIFICATE-----")]
    public void Ignores(string name, string value) => Assert.Null(Scanner.CheckNameValue(name, value));

    [Fact]
    public void Allowlist_CoversNamesAndValues()
    {
        var s = CredentialScanner.From(new ScanOptions { CredentialAllowlist = ["DEMO_PASSWORD", "Public-Demo-Pass-1"] });
        Assert.Null(s.CheckNameValue("demo_password", "Winter-2024-pass!"));
        Assert.Null(s.CheckNameValue("DB_PASSWORD", "Public-Demo-Pass-1"));
        Assert.NotNull(s.CheckNameValue("DB_PASSWORD", "Winter-2024-pass!"));
    }

    [Fact]
    public void NameTerms_AreConfigurable()
    {
        var s = CredentialScanner.From(new ScanOptions { CredentialNameTerms = ["passphrase"] });
        Assert.NotNull(s.CheckNameValue("GPG_PASSPHRASE", "Winter-2024-pass!"));
        Assert.Null(s.CheckNameValue("DB_PASSWORD", "Winter-2024-pass!"));
    }

    [Fact]
    public void Arguments()
    {
        var hits = Scanner.CheckArguments(["--db.host=db", "--db.password=Orca-Tide-93", "--token", "t0k3n-Very-Random-X9", "--api-key=$(API_KEY)"]);
        Assert.Equal([1, 3], hits.Select(h => h.TokenIndex));
        Assert.All(hits, h => Assert.Equal("argument", h.Hit.Rule));

        Assert.Single(Scanner.CheckArguments(["sh", "-c", "mysqldump -uroot -pLetMeIn42 orders > /backup/orders.sql"]));
        Assert.Empty(Scanner.CheckArguments(["nginx", "-p", "/etc/nginx"]));
        Assert.Empty(Scanner.CheckArguments(["server", "-p8080"])); // -p is a port outside mysql tools
        Assert.Empty(Scanner.CheckArguments(["mysql", "-p"])); // prompts for the password
        Assert.Single(Scanner.CheckArguments(["--config", "AKIAZ7EXAMPLE2QWERTY"]));
    }

    [Fact]
    public void StructuredText_PropertiesIniYamlEnvAndJson()
    {
        const string text = """
            # comment: password = not-a-real-one-but-commented
            [database]
            host = db
            password = "Tundra!Falcon-58"
            spring.datasource.password=Qx7-Lm2-Pz9-Rt4
            export API_TOKEN='Gq8rT2vN6xY1zL4k'
            auth:
              client_secret: Pz8-Harbor-Lantern-4410   # trailing comment
              nested: |
                free text
            conn: Server=db;User Id=app;Password=Vb7-Kd2-Xm9-Qa3;
            """;
        var hits = Scanner.CheckStructured(text);
        Assert.Equal(["password", "spring.datasource.password", "API_TOKEN", "client_secret", "Password"], hits.Select(h => h.Key));
        Assert.Equal(4, hits[0].Line);
        Assert.All(hits, h => Assert.DoesNotContain("Tundra", h.Hit.Masked, StringComparison.Ordinal));

        var json = Scanner.CheckStructured("""{"oauth": {"apiKey": "xR7kP2mQ9vL4tW8zN3bC", "issuer": "https://auth.example.org"}, "list": [{"password": "Winter-2024-pass!"}]}""");
        Assert.Equal(["oauth.apiKey", "list[0].password"], json.Select(h => h.Key));
        Assert.All(json, h => Assert.Null(h.Line));
    }

    [Fact]
    public void Base64()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("key: AKIAZ7EXAMPLE2QWERTY\n"));
        Assert.Equal("key: AKIAZ7EXAMPLE2QWERTY\n", CredentialScanner.TryDecodeBase64Text(encoded));
        Assert.Null(CredentialScanner.TryDecodeBase64Text("not base64 at all!"));
        Assert.Null(CredentialScanner.TryDecodeBase64Text("c2hvcnQ=")); // too short to matter
        Assert.Null(CredentialScanner.TryDecodeBase64Text(Convert.ToBase64String(new byte[] { 0, 1, 2, 3, 255, 254, 0, 7, 8, 9, 10, 11 })));
    }

    // Edge cases of the span-based scanning and its pre-filters: each result below is what the string-based
    // version (Split, Trim, Match) produced.

    [Theory]
    [InlineData("AKIAZ7EXAMPLE2QWERTY")] // the whole value
    [InlineData("config: x\nid: AKIAZ7EXAMPLE2QWERTY")] // at the very end, no newline after it
    [InlineData("x = 1\r\nid: ghp_ZZZZ1111aaaa2222bbbb3333cccc4444dddd")]
    [InlineData("a: b\nurl: postgres://orders:Tundra-Falcon@db")] // the '@' is the last character that matters
    public void ValuePattern_AtTheEndOfTheValue_IsFound(string value) => Assert.NotNull(Scanner.CheckValue(value));

    [Fact]
    public void ValuePattern_MaskIsTheMatchOnly()
    {
        var hit = Scanner.CheckValue("id: AKIAZ7EXAMPLE2QWERTYtail and more");
        Assert.Equal("AK…(20 chars)", hit!.Masked);
        Assert.Equal("value contains an AWS access key id", hit.Reason);
    }

    [Theory]
    [InlineData("endpoint: https://svc.internal\nretries: 3\n", false)] // "://" without a user:password@
    [InlineData("endpoint: https://svc.internal\nmail: ops@example.org\n", true)] // an '@' after "://" keeps it
    [InlineData("mail: ops@example.org\nendpoint: https://svc.internal\n", false)] // an '@' before it does not
    [InlineData("{\"db\": \"postgres://orders:Tundra-Falcon\\u0040db/orders\"}", true)] // a JSON escape can hide the '@'
    [InlineData("endpoint: https://svc.internal\napi_key: x\n", true)] // a name term anywhere
    [InlineData("endpoint: HTTPS://svc.internal\nTOKEN: x\n", true)]
    [InlineData("level: info\nport: 8080\n", false)]
    public void PreFilter(string text, bool mayContain) => Assert.Equal(mayContain, Scanner.MayContainCredential(text));

    [Fact]
    public void StructuredText_JsonEscapedAt_IsStillDecodedAndFound()
    {
        var hits = Scanner.CheckStructured("{\"upstream\": \"http://a.internal:8080\", \"db\": {\"url\": \"postgres://orders:Tundra-Falcon\\u0040db/orders\"}}");
        var hit = Assert.Single(hits);
        Assert.Equal("db.url", hit.Key);
        Assert.Equal("value contains a URL with an embedded password", hit.Hit.Reason);
    }

    [Fact]
    public void StructuredText_CrLfLines_LineNumbersAndValuesWithoutTheCarriageReturn()
    {
        var hits = Scanner.CheckStructured("host = db\r\n\r\npassword = Tundra!Falcon-58\r\r\nurl = https://svc.internal\r\napi_token=Gq8rT2vN6xY1zL4k");
        Assert.Equal(["password", "api_token"], hits.Select(h => h.Key));
        Assert.Equal([3, 5], hits.Select(h => h.Line!.Value));
        Assert.Equal("Tu…(16 chars)", hits[0].Hit.Masked); // no '\r' counted
        Assert.Equal("Gq…(16 chars)", hits[1].Hit.Masked); // last line, no newline after it
    }

    [Fact]
    public void StructuredText_SegmentsKeysAndComments()
    {
        var hits = Scanner.CheckStructured("""
            conn: Server=db;Password=Vb7-Kd2-Xm9-Qa3
            - "api_key": 'xR7kP2mQ9vL4tW8zN3bC' ,
              export   = Pz8-Harbor-Lantern-4410
            # password: Tundra!Falcon-58
              secret: Wq3-Jx8-Ln2-Rb5 # rotated monthly
            token: {{ .Values.token }}
            """);
        Assert.Equal(["Password", "api_key", "secret"], hits.Select(h => h.Key));
        Assert.Equal([1, 2, 5], hits.Select(h => h.Line!.Value));
        Assert.Equal("Wq…(15 chars)", hits[2].Hit.Masked); // the trailing comment is not part of the value
    }

    [Fact]
    public void StructuredText_JsonPaths()
    {
        var hits = Scanner.CheckStructured("""[{"a": [{"password": "Winter-2024-pass!"}, "AKIAZ7EXAMPLE2QWERTY"]}, {"": {"token": "Gq8rT2vN6xY1zL4k"}}]""");
        Assert.Equal(["[0].a[0].password", "[0].a[1]", "[1]..token"], hits.Select(h => h.Key));
    }

    [Fact]
    public void Arguments_QuotesWhitespaceAndEmptyTokens()
    {
        // "''" trims to an empty token: it is still the token after --token, so the flag has no literal value.
        Assert.Empty(Scanner.CheckArguments(["--token", "''", "t0k3n-Very-Random-X9"]));
        Assert.Equal([1], Scanner.CheckArguments(["--token", "\"t0k3n-Very-Random-X9\""]).Select(h => h.TokenIndex));
        Assert.Equal([0], Scanner.CheckArguments(["sh\t-c\n\"--db-password=Orca-Tide-93x\""]).Select(h => h.TokenIndex));
        Assert.Equal([1], Scanner.CheckArguments(["run", "-api-key=q9X2mV7pL4rT8wZ1kB6n"]).Select(h => h.TokenIndex));
        var hit = Assert.Single(Scanner.CheckArguments(["--api-key", "q9X2mV7pL4rT8wZ1kB6n"])).Hit;
        Assert.Equal("argument --api-key (matches \"api_key\") carries a literal value", hit.Reason);
        Assert.Empty(Scanner.CheckArguments(["---token=q9X2mV7pL4rT8wZ1kB6n", "--=q9X2mV7pL4rT8wZ1kB6n"]));
        Assert.Equal([2], Scanner.CheckArguments(["x", "--token", "AKIAZ7EXAMPLE2QWERTY"]).Select(h => h.TokenIndex));
        Assert.Equal([0], Scanner.CheckArguments(["mysql -u root -p'Orca-Tide-93'"]).Select(h => h.TokenIndex));
    }

    [Fact]
    public void Base64_CheckOfTheDecodedText_MatchesDecodingThenChecking()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("id: x\nkey: AKIAZ7EXAMPLE2QWERTY"));
        Assert.Equal(Scanner.CheckValue(CredentialScanner.TryDecodeBase64Text(encoded)!), Scanner.CheckBase64Value(encoded));
        Assert.NotNull(Scanner.CheckBase64Value("  " + encoded + "\n"));
        Assert.Null(Scanner.CheckBase64Value(encoded, maxChars: 30)); // the token ends at character 32 of the text
        Assert.NotNull(Scanner.CheckBase64Value(encoded, maxChars: 32));
        Assert.Null(Scanner.CheckBase64Value(Convert.ToBase64String(new byte[] { 0, 1, 2, 3, 255, 254, 0, 7, 8, 9, 10, 11 })));
        Assert.Null(Scanner.CheckBase64Value("not base64 at all!"));
    }

    // The pattern the line formats were read with before the hand-written parser; the parser must agree with it.
    [GeneratedRegex(@"^\s*(?:export\s+|-\s+)?[""']?([A-Za-z0-9_.\-/\[\]]+)[""']?\s*(?::|=)\s*(.*?)\s*,?\s*$")]
    private static partial Regex KeyValueLine();

    [Theory]
    [InlineData("password = x")]
    [InlineData("  export API_TOKEN='abc' ")]
    [InlineData("export = 1")]
    [InlineData("export: 1")]
    [InlineData("exportFOO=1")]
    [InlineData("export\t\u00a0KEY : v ,  ")]
    [InlineData("- name: v")]
    [InlineData("-  = x")]
    [InlineData("- - a: b")]
    [InlineData("-\tkey=v,,")]
    [InlineData("\"quoted\": \"v\"")]
    [InlineData("'a\" : b")]
    [InlineData("\"\"a: b")]
    [InlineData("a b: c")]
    [InlineData("key:")]
    [InlineData("key: ,")]
    [InlineData("key: a , ")]
    [InlineData("key = a\rb\r")]
    [InlineData("a[0].b/c-d: v # comment")]
    [InlineData(": v")]
    [InlineData("")]
    [InlineData("export")]
    [InlineData("- ")]
    public void PairParser_AgreesWithThePattern(string line) => AssertSameAsPattern(line);

    [Fact]
    public void PairParser_AgreesWithThePattern_OnGeneratedLines()
    {
        string[] pieces =
        [
            " ", "  ", "\t", "\r", "\u00a0", "\u2028", "\u0085", "\u001f", "export", "-", "--", "\"", "'", ":", "=", ",", ", ", "a", "Z9",
            "_", ".", "/", "[", "]", "#", "$", "{", "}", "é", "key", "pass word", "x=y", "::",
        ];
        var random = new Random(20261127);
        for (var n = 0; n < 20_000; n++)
        {
            var parts = random.Next(1, 9);
            var line = string.Concat(Enumerable.Range(0, parts).Select(_ => pieces[random.Next(pieces.Length)]));
            AssertSameAsPattern(line);
        }
    }

    private static void AssertSameAsPattern(string line)
    {
        var m = KeyValueLine().Match(line);
        var parsed = CredentialScanner.TryParsePair(line, out var key, out var value);
        Assert.True(m.Success == parsed, $"\"{line}\": pattern {m.Success}, parser {parsed}");
        if (parsed)
        {
            Assert.Equal(m.Groups[1].Value, key.ToString());
            Assert.Equal(m.Groups[2].Value, value.ToString());
        }
    }

    [Theory]
    [InlineData("DB_PASSWORD")]
    [InlineData("db_pAsSwOrD")]
    [InlineData("\u212AEY_ID")] // Kelvin sign
    [InlineData("MON\u212AEY")]
    [InlineData("PA\u017FSWORD")] // long s
    [InlineData("SECRET\u0130")]
    [InlineData("\u0131TOKEN")]
    [InlineData("ＰＡＳＳＷＯＲＤ")] // fullwidth
    [InlineData("passwört")]
    [InlineData("HOSTNAME")]
    [InlineData("")]
    public void NamePreFilter_AgreesWithTheTermByTermSearch(string name)
    {
        // The SearchValues gate in MatchName must never rule out a name that one of the terms matches.
        var byTerms = new ScanOptions().CredentialNameTerms.Any(t => name.Contains(t, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(byTerms, Scanner.MatchName(name) is not null);
    }
}
