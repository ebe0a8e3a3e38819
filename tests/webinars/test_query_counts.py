"""The webinar list costs the same number of queries for 2 or 10 webinars (no N+1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def test_webinar_list_does_not_grow_with_the_rows(
    client, login, people, make_webinar, make_registration, count_queries
):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    login(people["ani"])
    counts = {}
    made = 0
    for n in (2, 10):
        while made < n:
            made += 1
            host = people["trainer"] if made % 2 else people["trainer2"]
            upcoming = make_webinar(
                host,
                title=f"Akan datang {made}",
                starts_at=soon + timedelta(hours=made),
                competencies=[("KOM", 2)],
            )
            make_webinar(host, title=f"Sudah lewat {made}", starts_at=soon - timedelta(days=3, hours=made))
            make_registration(upcoming, people["ani"])
        with count_queries() as statements:
            page = client.get("/webinars/")
        assert page.status_code == 200
        assert page.text.count("Akan datang ") >= n and page.text.count("Sudah lewat ") >= min(n, 10)
        counts[n] = len(statements)
    assert counts[2] == counts[10], counts
    assert counts[10] <= 13, counts
