"""Reading pages in tests."""

import re

# Every page loads the offline script (service worker, queue, banner); it is no page's own script.
SITE_SCRIPT = re.compile(r'<script src="/static/offline\.js\?v=\w+" defer></script>')


def without_site_script(html: str) -> str:
    """The page without the site-wide offline script, to check that the page needs no script of its own."""
    assert len(SITE_SCRIPT.findall(html)) <= 1
    return SITE_SCRIPT.sub("", html)
