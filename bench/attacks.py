"""Hostile requests against a running `cryptorag serve`: does it live, and what does it hold after?

Each attack is sent `--rounds` times; the server's resident memory (VmRSS) is read before the
suite, after the first round and after the last, so growth per round shows a leak. Prints the
statuses each attack got and whether the process was alive after each.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.common import serve_cli

JSON = {"content-type": "application/json"}
FORWARDED_LIMIT = 20
Attack = Callable[[httpx.Client], list[int]]


def _deep(client: httpx.Client) -> list[int]:
    bodies = [b"[" * 100_000 + b"]" * 100_000, b'{"message":' * 20_000 + b'"x"' + b"}" * 20_000]
    paths = ("/v1/chat", "/v1/chat/completions", "/v1/search", "/v1/feedback")
    return [client.post(p, content=b, headers=JSON).status_code for p in paths for b in bodies]


def _oversized(client: httpx.Client) -> list[int]:
    body = json.dumps({"message": "a" * 2_000_000}).encode()
    return [client.post("/v1/chat", content=body, headers=JSON).status_code]


def _malformed(client: httpx.Client) -> list[int]:
    bodies = [b"{", b"\xff\xfe\x00", b'{"message": "\\ud800"}', b"[]", b'{"message": 1e999999}']
    return [client.post("/v1/chat", content=b, headers=JSON).status_code for b in bodies]


def _forwarded(client: httpx.Client) -> list[int]:
    """Twice the per-client limit, each request claiming another client address."""
    return [
        client.post(
            "/v1/search", json={"query": "weth"}, headers={"x-forwarded-for": f"10.0.{i}.1"}
        ).status_code
        for i in range(2 * FORWARDED_LIMIT)
    ]


def _feedback_spam(client: httpx.Client) -> list[int]:
    body = {"session_id": "nope", "rating": 1, "comment": "x" * 250_000}
    return [client.post("/v1/feedback", json=body).status_code for _ in range(20)]


def _abandoned_streams(client: httpx.Client) -> list[int]:
    codes = []
    for _ in range(10):
        with client.stream(
            "POST", "/v1/chat", json={"message": "What is WETH?", "stream": True}
        ) as r:
            codes.append(r.status_code)  # closed before the body is read
    return codes


ATTACKS: dict[str, Attack] = {
    "deep JSON (4 routes x 2)": _deep,
    "2 MB body": _oversized,
    "malformed JSON": _malformed,
    "feedback 250 KB comments": _feedback_spam,
    "abandoned streams": _abandoned_streams,
}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "CRYPTORAG_DATA_DIR": str(data)}
        with serve_cli(env) as base, httpx.Client(base_url=base, timeout=120) as client:
            pid = int(json.loads((data / "server.json").read_text())["pid"])
            rss = [_rss_mb(pid)]
            seen: dict[str, Counter[int]] = {name: Counter() for name in ATTACKS}
            for _ in range(args.rounds):
                for name, attack in ATTACKS.items():
                    seen[name].update(attack(client))
                    if not _alive(pid):
                        raise SystemExit(f"the server died during: {name}")
                rss.append(_rss_mb(pid))
            alive = client.get("/healthz").status_code == 200
        # Its own server, with a per-client limit the rotation must not escape.
        env["CRYPTORAG_RATE_LIMIT"] = f"{FORWARDED_LIMIT}/minute"
        with serve_cli(env) as base, httpx.Client(base_url=base, timeout=120) as client:
            forwarded = Counter(_forwarded(client))
    print(f"{'attack':<28} statuses over {args.rounds} rounds")
    for name, codes in seen.items():
        print(f"{name:<28} " + ", ".join(f"{c}x{n}" for c, n in sorted(codes.items())))
    print(f"server alive and answering after the suite: {alive}")
    print(
        f"X-Forwarded-For rotation, limit {FORWARDED_LIMIT}/minute: "
        + ", ".join(f"{c}x{n}" for c, n in sorted(forwarded.items()))
    )
    print(
        f"RSS: {rss[0]:.0f} MB before, {rss[1]:.0f} MB after round 1, "
        f"{rss[-1]:.0f} MB after round {args.rounds}"
    )


if __name__ == "__main__":
    main()
