"""Every response is measured, the limiter's 429s too, and the analytics read them.

Over real HTTP against the reference service with its real limiter on real Redis: the
chat policy allows 30 a minute, so 35 chat requests give 5 refusals to find.
"""

from __future__ import annotations

import httpx

from perfkit.analysis.report import analytics_from_live

CHAT_LIMIT = 30


def _chat(client: httpx.Client, n: int) -> list[int]:
    return [client.post("/api/chat", json={"message": "hi"}).status_code for _ in range(n)]


def test_the_limiters_429s_are_in_the_performance_report(client: httpx.Client) -> None:
    statuses = _chat(client, CHAT_LIMIT + 5)
    assert statuses.count(429) == 5
    report = client.get("/api/performance").json()
    [chat] = [r for r in report["routes"] if r["route"] == "/api/chat"]
    assert chat["count"] == CHAT_LIMIT + 5
    assert chat["status"] == {"2xx": CHAT_LIMIT, "4xx": 5, "429": 5}
    assert report["summary"]["status"]["429"] == 5


def test_the_rate_limit_advice_fires_on_the_services_own_document(client: httpx.Client) -> None:
    _chat(client, CHAT_LIMIT + 5)
    report = analytics_from_live(
        client.get("/api/performance").json(),
        client.get("/api/cache/stats").json(),
        client.get("/api/redis/health").json(),
    )
    advice = [r for r in report["sections"]["recommendations"] if "429" in r["figure"]]
    assert advice and advice[0]["route"] == "POST /api/chat", report["sections"]["recommendations"]
    assert "5 of 35 requests got 429" in advice[0]["figure"]


def test_cache_stats_carry_the_seeds_performance_block(client: httpx.Client) -> None:
    client.get("/api/spotify/me")
    client.get("/api/spotify/me")
    stats = client.get("/api/cache/stats").json()
    performance = stats["performance"]
    assert set(performance) == {"totalRequests", "slowRequests", "averageResponseTime"}
    assert performance["totalRequests"] >= 2
    assert performance["averageResponseTime"] > 0
