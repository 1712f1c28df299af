"""Safe Markdown: CommonMark in, a small sanitised subset of HTML out.

Raw HTML in the source is shown as text, images become plain links (loading one
would tell another site who is reading), headings start at ``h3`` so a post never
competes with its page's own headings, and nh3 removes anything outside a tight
allowlist. A link keeps its target only if it is http(s), mailto or a plain relative
path on this site; anything else (``java&#x09;script:``, ``//elsewhere``) loses its
target and stays as text. Groups and direct messages both render through ``render_markdown``.

``@handle`` in running text (not in code, not inside a link, not part of an email
address) is a mention: ``render_markdown`` asks its ``mentions`` callback which of them
name accounts, and links those to ``/u/<handle>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "ul",
    }
)
# Code blocks scroll sideways, so keyboard users must be able to focus them.
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "pre": {"tabindex"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer ugc"
# A handle (app.accounts.services.HANDLE_PATTERN) after "@", neither glued to what comes
# before (an email address, a path) nor running on into more handle characters.
MENTION = re.compile(r"(?<![A-Za-z0-9_@./+-])@([A-Za-z0-9_-]{3,30})(?![A-Za-z0-9_@-])")
# What a mentions callback receives and returns: handle keys (lowercased) to handles.
Mentions = Callable[[set[str]], Mapping[str, str]]


def link_target(href: str) -> str | None:
    """``href`` if it is an http(s) or mailto URL or a plain relative path, else None.

    Checked as written and percent-decoded, so neither spelling can hide a scheme
    (``java%09script:``), a control character, a backslash or another host (``//``).
    """
    for spelling in (href, unquote(href)):
        if "\\" in spelling or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in spelling):
            return None
        target = spelling.strip(" ")
        if target.startswith("//"):
            return None
        scheme, colon, _ = target.partition(":")
        has_scheme = colon and not any(mark in scheme for mark in "/?#")
        if has_scheme and scheme.lower() not in URL_SCHEMES:
            return None
    return href


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    return link_target(value) if attribute == "href" else value


def _render_image(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    text = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">{escape(text)}</a>'


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.add_render_rule("image", _render_image)
    return parser


_PARSER = _parser()


def _mention_texts(tokens: list[Token]):
    """Each inline text token a mention may be in (outside links), with its parent."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        depth = 0
        for child in token.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0 and "@" in child.content:
                yield token, child


def _keys_in(tokens: list[Token]) -> set[str]:
    return {
        match.group(1).lower()
        for _parent, text in _mention_texts(tokens)
        for match in MENTION.finditer(text.content)
    }


def _link_mentions(tokens: list[Token], known: Mapping[str, str]) -> None:
    for parent, text in list(_mention_texts(tokens)):
        pieces: list[Token] = []
        start = 0
        for match in MENTION.finditer(text.content):
            handle = known.get(match.group(1).lower())
            if handle is None:
                continue
            pieces.append(Token("text", "", 0, content=text.content[start : match.start()]))
            link = Token("link_open", "a", 1)
            link.attrs = {"href": f"/u/{quote(handle)}"}
            pieces += [
                link,
                Token("text", "", 0, content=match.group()),
                Token("link_close", "a", -1),
            ]
            start = match.end()
        if pieces:
            pieces.append(Token("text", "", 0, content=text.content[start:]))
            children = parent.children or []
            index = children.index(text)
            parent.children = children[:index] + pieces + children[index + 1 :]


def render_markdown(source: str, mentions: Mentions | None = None) -> Markup:
    """Render member-written Markdown to HTML that is safe to insert into any page.

    With ``mentions``, it is called once with the handle keys the text mentions and
    returns those that name accounts (key to handle); each becomes a link to its profile.
    """
    tokens = _PARSER.parse(source)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    if mentions is not None and (keys := _keys_in(tokens)):
        _link_mentions(tokens, mentions(keys))
    # Raw HTML is escaped by then, so only the renderer's own <pre> tags match.
    html = _PARSER.renderer.render(tokens, _PARSER.options, {}).replace(
        "<pre>", '<pre tabindex="0">'
    )
    # Safe: nh3 has just sanitised it against the allowlist above.
    return Markup(  # noqa: S704
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
            attribute_filter=_attribute_filter,
            url_schemes=set(URL_SCHEMES),
            link_rel=LINK_REL,
            strip_comments=True,
        )
    )
