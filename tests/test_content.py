"""lms/content.py: Markdown rendering, sanitising, media references, plain text."""

from html.parser import HTMLParser

import pytest

from lms.content import (
    ALLOWED_TAGS,
    MediaLink,
    media_name,
    plain_text,
    references,
    render_markdown,
    sanitize_html,
)

# Payloads in the style of the OWASP XSS filter evasion cheat sheet, plus Markdown-specific ones.
XSS_CORPUS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    '&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
    "&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72"
    "&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="jav&#x0D;ascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="java\0script:alert(1)">x</a>',
    '<a href="JAVASCRIPT&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=//xss.example/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.example/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    '<p style="behavior: url(xss.htc)">x</p>',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH'
    ' A6Ly93d3cudzMub3JnLzIwMDAvc3Zn" AllowScriptAccess="always"></EMBED>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<details open ontoggle=alert(1)>",
    '<a href="#" onclick="alert(1)">klik</a>',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    # Markdown syntax
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](javascript&#58;alert(1))",
    "[klik](&#x6A;avascript:alert(1))",
    "[klik]( javascript:alert(1) )",
    "[klik](<javascript:alert(1)>)",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "![gambar](javascript:alert(1))",
    "![gambar](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![gambar](x" onerror="alert(1))',
    '[klik](https://contoh.go.id "judul\\" onmouseover=\\"alert(1)")',
    "[klik][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    '> <iframe src="https://xss.example"></iframe>',
    "* <svg onload=alert(1)>",
]

DANGEROUS_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "style",
    "link",
    "meta",
    "base",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "body",
    "noscript",
    "title",
}
SAFE_SCHEMES = ("http:", "https:", "mailto:")


class Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def assert_harmless(output: str) -> None:
    parsed = Collector()
    parsed.feed(output)
    parsed.close()
    assert "<script" not in output.lower()
    assert not DANGEROUS_TAGS.intersection(parsed.tags), output
    assert set(parsed.tags) <= ALLOWED_TAGS, output
    for _tag, name, value in parsed.attrs:
        assert not name.startswith("on"), output
        assert name not in ("style", "background", "dynsrc", "action", "formaction", "xlink:href")
        if name in ("href", "src"):
            squashed = "".join(ch for ch in value if ch.isprintable() and not ch.isspace()).lower()
            assert ":" not in squashed.split("/")[0] or squashed.startswith(SAFE_SCHEMES), output


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "<iframe src=x></iframe>",
        '<p style="x">y</p>',
    ],
)
def test_the_checker_itself_catches_raw_payloads(raw):
    with pytest.raises(AssertionError):
        assert_harmless(raw)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_payload_rendered_harmless(payload):
    assert_harmless(render_markdown(payload))
    assert_harmless(sanitize_html(payload))


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_payload_harmless_in_a_paragraph(payload):
    assert_harmless(render_markdown(f"Teks sebelum\n\n{payload}\n\nTeks sesudah {payload}"))


def test_markdown_features_survive():
    output = render_markdown(
        "## Judul\n\nTeks **tebal**, *miring*, ~~coret~~ dan `kode`.\n\n"
        "| Kolom | Nilai |\n|---|---|\n| a | 1 |\n\n"
        "1. satu\n2. dua\n\n> kutipan\n\n[tautan](https://contoh.go.id) [surel](mailto:a@b.id)"
    )
    for fragment in (
        "<h2>Judul</h2>",
        "<strong>tebal</strong>",
        "<em>miring</em>",
        "<s>coret</s>",
        "<code>kode</code>",
        "<table>",
        "<td>a</td>",
        "<ol>",
        "<blockquote>",
    ):
        assert fragment in output
    assert '<a href="https://contoh.go.id" rel="noopener nofollow">tautan</a>' in output
    assert 'href="mailto:a@b.id"' in output


def test_links_get_rel_even_if_author_sets_one():
    output = render_markdown('<a href="https://contoh.go.id" rel="opener" target="_blank">x</a>')
    assert 'rel="noopener nofollow"' in output
    assert "target" not in output
    assert 'opener"' not in output.replace("noopener", "")


def test_relative_urls_are_kept():
    output = render_markdown("[lain](/courses/x) [sini](#bagian)")
    assert 'href="/courses/x"' in output
    assert 'href="#bagian"' in output


def test_images_are_lazy_and_media_references_rewritten_with_size():
    media = {
        "pola.svg": MediaLink("/courses/media/abc.svg", 340, 250),
        "panduan.pdf": MediaLink("/courses/media/def.pdf"),
    }
    output = render_markdown(
        "![Pola](../media/pola.svg)\n\n![lagi](media/pola.svg)\n\n[Unduh](media/panduan.pdf)\n\n"
        "![tidak ada](media/hilang.png)",
        media,
    )
    assert output.count('src="/courses/media/abc.svg"') == 2
    assert 'width="340" height="250"' in output
    assert output.count('loading="lazy"') == 3
    assert output.count('decoding="async"') == 3
    assert 'href="/courses/media/def.pdf"' in output
    assert 'src="media/hilang.png"' in output  # left alone: the bundle validator reports it


def test_author_sizes_must_be_numbers():
    output = render_markdown('<img src="a.png" width="100" height="javascript:1">')
    assert 'width="100"' in output
    assert "javascript" not in output


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("media/a.png", "a.png"),
        ("../media/a.png", "a.png"),
        ("./media/a.png", "a.png"),
        ("media/foto%20kantor.png", "foto kantor.png"),
        ("media/sub/a.png", None),
        ("media/../a.png", None),
        ("../../media/a.png", None),
        ("/media/a.png", None),
        ("https://x.id/media/a.png", None),
        ("media/", None),
        ("lain/a.png", None),
    ],
)
def test_media_name(ref, name):
    assert media_name(ref) == name


def test_plain_text_strips_markup_and_cuts_on_words():
    text = "# Judul\n\nTeks **tebal** &amp; <b>huruf</b> [tautan](https://x.id)\n\n<script>x()</script>"
    assert plain_text(text) == "Judul Teks tebal & huruf tautan x()"
    assert plain_text("satu dua tiga empat lima", limit=12) == "satu dua…"
    assert plain_text("<img src=x onerror=alert(1)> a < b") == "a < b"  # text; templates escape it


def test_references_have_line_numbers():
    text = "Pembuka\n\nParagraf\ndengan ![gambar](media/a.png)\ndan [berkas](../media/b.pdf).\n"
    assert [(r.kind, r.target, r.line) for r in references(text)] == [
        ("image", "media/a.png", 4),
        ("link", "../media/b.pdf", 5),
    ]
