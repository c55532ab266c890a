"""HTTP Digest answers, checked against the worked example of RFC 2617 (section 3.5)."""

from __future__ import annotations

import pytest

from dhr_graph import httpdigest
from dhr_graph.httpdigest import DigestState

CHALLENGE = ('Digest realm="testrealm@host.com", qop="auth,auth-int", '
             'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')


def test_the_rfc_2617_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpdigest.os, "urandom", lambda n: bytes.fromhex("0a4f113b"))
    state = DigestState()
    assert state.authorization("GET", "/dir/index.html", "Mufasa", "Circle Of Life") is None  # nothing learnt yet
    assert state.learn(CHALLENGE)
    header = state.authorization("GET", "/dir/index.html", "Mufasa", "Circle Of Life")
    assert header is not None and header.startswith("Digest ")
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert "nc=00000001" in header and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header
    assert "Circle Of Life" not in header
    assert "nc=00000002" in (state.authorization("GET", "/dir/index.html", "Mufasa", "Circle Of Life") or "")


@pytest.mark.parametrize("header", ['Basic realm="x"', 'Digest realm="x", nonce="n", qop="auth-int"',
                                    'Digest realm="x", nonce="n", algorithm=MD5-sess', 'Digest realm="x"'])
def test_challenges_it_cannot_answer_are_not_taken(header: str) -> None:
    state = DigestState()
    assert not state.learn(header) and not state.known
