"""Which word runs of a text may be a name the registry knows, found in one forward walk.

Looking for names in recommendation texts used to join and look up every run of up to a dozen
words at every capitalised word: most of a build's time spent on mentions. A trie of the
registered keys, word by word, tells in one walk which run lengths can be a key at all (as
written, or with "NHS" left out, as `without_nhs` compares names); the caller still checks
each of those lengths exactly as before, so the trie only skips runs that cannot match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_END = ""  # marks a trie node where a whole key ends (no word key is empty)
_NHS = "nhs"

Node = dict[str, "Node"]


class MentionTrie:
    """The mention keys of a registry as a trie of words."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._root: Node = {}
        for key in keys:
            tokens = key.split()
            if not tokens:
                continue
            node = self._root
            for token in tokens:
                node = node.setdefault(token, {})
            node[_END] = {}

    def lengths(self, keys: Sequence[str], start: int, most: int) -> list[int]:
        """Run lengths (in words, at most `most`, longest first) from `keys[start]` whose words, as
        written or without their "nhs" words, spell a whole key: a superset of the runs that match."""
        found: list[int] = []
        exact: Node | None = self._root
        nhs_free: Node | None = self._root
        for length in range(1, most + 1):
            for token in keys[start + length - 1].split():
                if exact is not None:
                    exact = exact.get(token)
                if nhs_free is not None and token != _NHS:
                    nhs_free = nhs_free.get(token)
            if exact is None and nhs_free is None:
                break
            if (exact is not None and _END in exact) or (nhs_free is not None and _END in nhs_free):
                found.append(length)
        found.reverse()
        return found
