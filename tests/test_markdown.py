"""Member-written Markdown renders to a small, inert subset of HTML."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.markdown import render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&colon;alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://evil.example/x.png)',
    '[x](https://ok.example/" onmouseover="alert(1))',
    "<svg onload=alert(1)><circle r=10></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<a href=&#x6A;&#x61;&#x76;&#x61;script:alert(1)>x</a>",
    "[x]: javascript:alert(1)\n\n[link][x]",
    '<https://ok.example/"onmouseover=alert(1)>',
    "<javascript:alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "<form action=https://evil.example><button>Go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
]

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "strong", "ul",
}  # fmt: skip


class _Elements(HTMLParser):
    """The elements a browser would build from the HTML, with decoded attribute values."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def assert_inert(html: str) -> None:
    for tag, attributes in _Elements(html).elements:
        assert tag in ALLOWED_TAGS, html
        assert set(attributes) <= {"href", "rel", "start", "tabindex"}, html
        assert attributes.get("tabindex", "0") == "0", html
        href = attributes.get("href", "").strip().lower()
        assert href == "" or urlsplit(href).scheme in {"", "http", "https", "mailto"}, html
        if tag == "a":
            assert attributes["rel"] == "nofollow noopener noreferrer ugc"


@pytest.mark.parametrize("source", XSS_CORPUS)
def test_xss_corpus_renders_inert(source):
    assert_inert(str(render_markdown(source)))


def test_commonmark_basics_render():
    html = str(render_markdown("*em* **strong** `code`\n\n> quoted\n\n- one\n- two"))
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html and "<ul>" in html


def test_links_are_marked_nofollow_and_user_generated():
    html = str(render_markdown("[a site](https://example.org/)"))
    assert html == (
        '<p><a href="https://example.org/" rel="nofollow noopener noreferrer ugc">a site</a></p>\n'
    )


def test_images_become_plain_links_and_are_never_loaded():
    html = str(render_markdown("![a cat](https://tracker.example/cat.png)"))
    assert "<img" not in html
    assert (
        '<a href="https://tracker.example/cat.png" rel="nofollow noopener noreferrer ugc">' in html
    )
    assert ">a cat</a>" in html


def test_headings_start_below_the_pages_own():
    html = str(render_markdown("# Big\n\n## Smaller\n\n###### Tiny"))
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Big</h3>" in html and "<h4>Smaller</h4>" in html and "<h6>Tiny</h6>" in html


def test_code_blocks_can_be_scrolled_from_the_keyboard():
    html = str(render_markdown("    indented code\n\n```\nfenced\n```\n\n<pre>raw</pre>"))
    assert html.count('<pre tabindex="0">') == 2
    assert "&lt;pre&gt;raw" in html


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in str(render_markdown("<b>bold</b>"))


def test_posts_render_the_corpus_inert_end_to_end(client, auth, session):
    from tests.helpers import make_group, make_member, make_thread

    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea, "XSS", "\n\n".join(XSS_CORPUS))
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    body = page.split('<div class="post-body">', 1)[1].split("</div>", 1)[0]
    assert_inert(body)
    assert "alert(1)" in body


# Link targets: http(s), mailto and plain relative paths only -------------------------


@pytest.mark.parametrize(
    "source",
    [
        "[x](java&#x09;script:alert(1))",
        "[x](java%09script:alert(1))",
        "[x](%6A%61vascript:alert(1))",
        "[x](<java script:alert(1)>)",
        "[x](tel:+15550100)",
        "[x](ftp://files.example/)",
        "[x](page:elsewhere)",
        "[x](//evil.example/)",
        "[x](%2F%2Fevil.example/)",
        "[x](/\\evil.example/)",
        "![x](java&#x09;script:alert(1))",
        "[x](<mailto:a@example.org%0ABcc:b@example.org>)",
    ],
)
def test_links_to_anything_but_the_web_mail_or_this_site_lose_their_target(source):
    html = str(render_markdown(source))
    assert "href" not in html, html
    assert ">x</a>" in html, "the link's text stays readable"


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[x](https://example.org/a%20b?c=d#e)", "https://example.org/a%20b?c=d#e"),
        ("[x](http://example.org)", "http://example.org"),
        ("[x](HTTPS://example.org)", "HTTPS://example.org"),
        ("[x](mailto:ada@example.org)", "mailto:ada@example.org"),
        ("[x](/groups/gardens)", "/groups/gardens"),
        ("[x](/groups?q=a:b)", "/groups?q=a:b"),
        ("[x](#reply)", "#reply"),
        ("[x](./notes:today)", "./notes:today"),
        ("[x](threads/12)", "threads/12"),
    ],
)
def test_web_mail_and_plain_relative_links_keep_their_target(source, href):
    assert f'href="{href}"' in str(render_markdown(source))
