"""Markdown in, sanitised HTML out: the only place in the platform where user text becomes HTML.

Rendering happens when content is saved, never on every page view. The pipeline is
markdown-it-py (CommonMark plus GFM tables and strikethrough) followed by bleach with an
allow-list of tags, attributes and URL schemes. Anything not on the list is dropped.

Lessons refer to their media relatively, as `media/foto.png` or `../media/foto.png` (the latter
is right for a lesson file in a bundle's `lessons/` folder). `render_markdown` rewrites such
references to the URLs the media are served from, and adds the image size when it is known.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "audio",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "source",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# Short texts written during a live session (webinar questions): the same list without images,
# so nobody can put a tracking pixel or a wall of pictures in front of the whole room.
COMMENT_TAGS = ALLOWED_TAGS - {"img"}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow"
_DIGITS = re.compile(r"^[0-9]{1,5}$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("href", "title")
    if tag == "img":
        if name in ("width", "height"):
            return bool(_DIGITS.match(value))
        return name in ("src", "alt", "title")
    if tag == "ol":
        return name == "start" and bool(_DIGITS.match(value))
    if tag == "abbr":
        return name == "title"
    if tag == "audio":
        return name in ("controls", "src") or (name == "preload" and value in ("none", "metadata"))
    if tag == "source":
        return name in ("src", "type")
    if tag in ("th", "td"):
        return name in ("colspan", "rowspan") and bool(_DIGITS.match(value))
    return False


@dataclass(frozen=True)
class MediaLink:
    """Where a lesson's media file is served, and its pixel size when it is an image."""

    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Reference:
    """A link or image target found in Markdown, with its 1-based line number."""

    kind: str  # "image" or "link"
    target: str
    line: int


def media_name(ref: str) -> str | None:
    """The media file name a relative reference points at (`media/x.png`, `../media/x.png`).

    Returns None for absolute URLs and for anything that is not directly inside `media/`.
    """
    parts = urlsplit(ref.strip())
    if parts.scheme or parts.netloc or parts.query:
        return None
    path = unquote(parts.path)
    if not path or path.startswith("/") or "\\" in path:
        return None
    if path.startswith("../"):
        path = path[3:]
    path = posixpath.normpath(path)
    folder, _, name = path.partition("/")
    if folder != "media" or not name or "/" in name or name in (".", ".."):
        return None
    return name


def is_relative(ref: str) -> bool:
    """True for a reference without scheme or host (a path inside the site or bundle)."""
    parts = urlsplit(ref.strip())
    return not parts.scheme and not parts.netloc and not ref.strip().startswith("#")


class _LinkFilter(Filter):
    """Runs after sanitising: safe link relations, lazy images, media URLs and sizes."""

    def __init__(self, source, media: Mapping[str, MediaLink] | None = None):
        super().__init__(source)
        self.media = media or {}

    def _resolve(self, value: str) -> MediaLink | None:
        name = media_name(value)
        return self.media.get(name) if name else None

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                attrs = token["data"]
                if token["name"] == "a":
                    href = attrs.get((None, "href"))
                    link = self._resolve(href) if href else None
                    if link is not None:
                        attrs[(None, "href")] = link.url
                    attrs[(None, "rel")] = LINK_REL
                elif token["name"] in ("audio", "source"):
                    src = attrs.get((None, "src"))
                    link = self._resolve(src) if src else None
                    if link is not None:
                        attrs[(None, "src")] = link.url
                elif token["name"] == "img":
                    src = attrs.get((None, "src"))
                    link = self._resolve(src) if src else None
                    if link is not None:
                        attrs[(None, "src")] = link.url
                        if link.width and link.height:
                            attrs[(None, "width")] = str(link.width)
                            attrs[(None, "height")] = str(link.height)
                    attrs[(None, "loading")] = "lazy"
                    attrs[(None, "decoding")] = "async"
            yield token


def _markdown() -> MarkdownIt:
    # Raw HTML is parsed (so trainers may use <sub>, <kbd>, <details>), then bleach keeps only
    # the allow-list. Links are not auto-detected: a URL in text stays text.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


_MD = _markdown()


def _cleaner(media: Mapping[str, MediaLink] | None, tags: frozenset[str] = ALLOWED_TAGS) -> bleach.Cleaner:
    def link_filter(source):
        return _LinkFilter(source, media)

    return bleach.Cleaner(
        tags=tags,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[link_filter],
    )


_PLAIN_CLEANER = bleach.Cleaner(tags=frozenset(), attributes={}, strip=True, strip_comments=True)


def render_markdown(text: str, media: Mapping[str, MediaLink] | None = None) -> str:
    """Sanitised HTML for Markdown written by a user; `media` maps media file names to URLs."""
    return _cleaner(media).clean(_MD.render(text or ""))


def render_comment(text: str) -> str:
    """Sanitised HTML for a short Markdown text of a live session: the allow-list without images."""
    return _cleaner(None, COMMENT_TAGS).clean(_MD.render(text or ""))


def sanitize_html(fragment: str, media: Mapping[str, MediaLink] | None = None) -> str:
    """Sanitise an HTML fragment with the same allow-list as rendered Markdown (media resolved)."""
    return _cleaner(media).clean(fragment or "")


def render_plain(text: str) -> str:
    """HTML that shows a plain text exactly as written: escaped, blank lines as paragraphs."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + "<br>\n".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p.strip()
    )


def render_auto_format(text: str) -> str:
    """Moodle's "auto-format" text as sanitised HTML: tags kept, new lines become line breaks."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return sanitize_html(
        "".join("<p>" + "<br>\n".join(p.split("\n")) + "</p>" for p in paragraphs if p.strip())
    )


def plain_text(text: str, limit: int | None = None) -> str:
    """The words of a Markdown text without markup, for search and excerpts."""
    words = " ".join(html.unescape(_PLAIN_CLEANER.clean(_MD.render(text or ""))).split())
    if limit is not None and len(words) > limit:
        cut = words[: limit + 1].rsplit(" ", 1)[0] if " " in words[:limit] else words[:limit]
        return cut.rstrip(" ,.;:") + "…"
    return words


def references(text: str) -> list[Reference]:
    """Every Markdown image and link target in a text, with the line where it appears."""
    lines = (text or "").splitlines()
    found: list[Reference] = []
    for token in _MD.parse(text or ""):
        if token.type != "inline" or not token.children:
            continue
        start, end = token.map or (0, len(lines))
        for child in token.children:
            if child.type == "image":
                kind, target = "image", str(child.attrs.get("src", ""))
            elif child.type == "link_open":
                kind, target = "link", str(child.attrs.get("href", ""))
            else:
                continue
            line = start + 1
            for number in range(start, min(end, len(lines))):
                if target and (target in lines[number] or unquote(target) in lines[number]):
                    line = number + 1
                    break
            found.append(Reference(kind, target, line))
    return found
