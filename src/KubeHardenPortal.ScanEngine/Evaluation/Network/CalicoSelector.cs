namespace KubeHardenPortal.ScanEngine.Evaluation.Network;

/// <summary>
/// Calico selector expressions (<c>all()</c>, <c>has(k)</c>, <c>k == 'v'</c>, <c>k != 'v'</c>, <c>k in {..}</c>,
/// <c>k not in {..}</c>, <c>contains</c>, <c>starts with</c>, <c>ends with</c>, <c>!</c>, <c>&amp;&amp;</c>,
/// <c>||</c>, parentheses). Evaluation is three-valued: a label the caller does not know (e.g. a pod label when
/// asking "does this select every pod of namespace X?") makes the dependent part null.
/// </summary>
public sealed class CalicoSelector
{
    private abstract record Node;
    private sealed record AllNode : Node;
    private sealed record GlobalNode : Node;
    private sealed record HasNode(string Key) : Node;
    private sealed record CmpNode(string Key, string Op, IReadOnlyList<string> Values) : Node;
    private sealed record NotNode(Node Inner) : Node;
    private sealed record AndNode(Node Left, Node Right) : Node;
    private sealed record OrNode(Node Left, Node Right) : Node;

    private readonly Node _root;

    private CalicoSelector(Node root, string text)
    {
        _root = root;
        Text = text;
    }

    public string Text { get; }

    /// <summary>Parses a selector; an absent or blank selector is <c>all()</c>. Returns null with an error when unsupported.</summary>
    public static CalicoSelector? Parse(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return new CalicoSelector(new AllNode(), "all()");
        }

        try
        {
            var p = new Parser(text);
            var node = p.ParseOr();
            p.SkipSpace();
            if (!p.AtEnd)
            {
                throw new FormatException($"unexpected \"{text[p.Pos..]}\"");
            }

            return new CalicoSelector(node, text.Trim());
        }
        catch (FormatException ex)
        {
            error = $"Calico selector \"{text}\" not understood: {ex.Message}";
            return null;
        }
    }

    /// <summary>True/false, or null when the answer depends on labels the lookup reports as unknown.</summary>
    public bool? Evaluate(Func<string, LabelFact> lookup) => Eval(_root, lookup);

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Evaluate(LabelFact.From(labels)) == true;

    private static bool? Eval(Node n, Func<string, LabelFact> lookup)
    {
        switch (n)
        {
            case AllNode:
                return true;
            case GlobalNode:
                return false; // global() selects non-namespaced endpoints (host endpoints), never pods
            case HasNode h:
                var f = lookup(h.Key);
                return f.Known ? f.Value is not null : null;
            case CmpNode c:
                var fact = lookup(c.Key);
                if (!fact.Known)
                {
                    return null;
                }

                var v = fact.Value;
                return c.Op switch
                {
                    "==" => v is not null && v == c.Values[0],
                    "!=" => v is null || v != c.Values[0],
                    "in" => v is not null && c.Values.Contains(v),
                    "not in" => v is null || !c.Values.Contains(v),
                    "contains" => v is not null && v.Contains(c.Values[0], StringComparison.Ordinal),
                    "starts with" => v is not null && v.StartsWith(c.Values[0], StringComparison.Ordinal),
                    _ => v is not null && v.EndsWith(c.Values[0], StringComparison.Ordinal),
                };
            case NotNode x:
                return Eval(x.Inner, lookup) is { } b ? !b : null;
            case AndNode a:
                var l = Eval(a.Left, lookup);
                if (l == false)
                {
                    return false;
                }

                var r = Eval(a.Right, lookup);
                return r == false ? false : l == true && r == true ? true : null;
            case OrNode o:
                var ol = Eval(o.Left, lookup);
                if (ol == true)
                {
                    return true;
                }

                var or = Eval(o.Right, lookup);
                return or == true ? true : ol == false && or == false ? false : null;
            default:
                return null;
        }
    }

    public override string ToString() => Text;

    private sealed class Parser(string text)
    {
        public int Pos { get; private set; }

        public bool AtEnd => Pos >= text.Length;

        public void SkipSpace()
        {
            while (Pos < text.Length && char.IsWhiteSpace(text[Pos]))
            {
                Pos++;
            }
        }

        private bool Accept(string token, bool word = false)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, Pos, token, 0, token.Length) != 0)
            {
                return false;
            }

            var end = Pos + token.Length;
            if (word && end < text.Length && IsKeyChar(text[end]))
            {
                return false;
            }

            Pos = end;
            return true;
        }

        private void Expect(string token)
        {
            if (!Accept(token))
            {
                throw new FormatException($"expected \"{token}\" at position {Pos}");
            }
        }

        public Node ParseOr()
        {
            var left = ParseAnd();
            while (Accept("||"))
            {
                left = new OrNode(left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (Accept("&&"))
            {
                left = new AndNode(left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            SkipSpace();
            if (Pos < text.Length && text[Pos] == '!' && !(Pos + 1 < text.Length && text[Pos + 1] == '='))
            {
                Pos++;
                return new NotNode(ParseUnary());
            }

            if (Accept("("))
            {
                var inner = ParseOr();
                Expect(")");
                return inner;
            }

            if (Accept("all()"))
            {
                return new AllNode();
            }

            if (Accept("global()"))
            {
                return new GlobalNode();
            }

            if (Accept("has("))
            {
                var k = ParseKey();
                Expect(")");
                return new HasNode(k);
            }

            var key = ParseKey();
            if (Accept("=="))
            {
                return new CmpNode(key, "==", [ParseString()]);
            }

            if (Accept("!="))
            {
                return new CmpNode(key, "!=", [ParseString()]);
            }

            if (Accept("not", word: true))
            {
                if (!Accept("in", word: true))
                {
                    throw new FormatException($"expected \"in\" after \"not\" at position {Pos}");
                }

                return new CmpNode(key, "not in", ParseSet());
            }

            if (Accept("in", word: true))
            {
                return new CmpNode(key, "in", ParseSet());
            }

            if (Accept("contains", word: true))
            {
                return new CmpNode(key, "contains", [ParseString()]);
            }

            if (Accept("starts", word: true) && Accept("with", word: true))
            {
                return new CmpNode(key, "starts with", [ParseString()]);
            }

            if (Accept("ends", word: true) && Accept("with", word: true))
            {
                return new CmpNode(key, "ends with", [ParseString()]);
            }

            throw new FormatException($"expected an operator after \"{key}\" at position {Pos}");
        }

        private List<string> ParseSet()
        {
            Expect("{");
            var values = new List<string>();
            if (Accept("}"))
            {
                return values;
            }

            do
            {
                values.Add(ParseString());
            }
            while (Accept(","));

            Expect("}");
            return values;
        }

        private string ParseKey()
        {
            SkipSpace();
            var start = Pos;
            while (Pos < text.Length && IsKeyChar(text[Pos]))
            {
                Pos++;
            }

            if (Pos == start)
            {
                throw new FormatException($"expected a label key at position {Pos}");
            }

            return text[start..Pos];
        }

        private string ParseString()
        {
            SkipSpace();
            if (Pos >= text.Length || (text[Pos] != '\'' && text[Pos] != '"'))
            {
                throw new FormatException($"expected a quoted string at position {Pos}");
            }

            var quote = text[Pos];
            var end = text.IndexOf(quote, Pos + 1);
            if (end < 0)
            {
                throw new FormatException("unterminated string");
            }

            var s = text[(Pos + 1)..end];
            Pos = end + 1;
            return s;
        }

        private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/';
    }
}
