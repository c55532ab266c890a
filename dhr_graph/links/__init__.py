"""Cross-review links: shared organisations, shared themes, recurring recommendations, same partnership.

Links are computed with indexes, never with a pairwise SPARQL join (which grows with the square
of the corpus). The modules, in the order data flows through them:

- settings.py: thresholds and the phrases of a stated repeat, read from ontology/link-bases.ttl;
- sparql.py: SELECT results read as serialised text (the corpus comes out of Oxigraph as TSV);
- tokens.py: recommendation texts -> hashed word and word-pair features;
- corpus.py: what linking needs from each review (`ReviewInfo`), read from the store (`Corpus`);
- record.py: that, encoded as one compact literal per review, so an update reads no other review;
- scoring.py: sparse TF-IDF rows and each row's strongest earlier neighbours;
- linker.py: the links of any set of reviews, basis by basis (`Linker`, `Link`);
- graphs.py: where links and records live in the store (one links graph per review);
- write.py: links as N-Quads text, and how that text gets into the store;
- refresh.py: the entry points, `recompute_all`, `update` and `updater` (the build's edit step).

At 2,000 reviews writing the links (some 590,000 quads into Oxigraph's six quad indexes) is the
larger half of the work: it starts with the quickest basis, runs beside the computing, and takes
both cores once the computing is done (benchmarks/bench_links.py measures it).
"""

from __future__ import annotations

from .corpus import Corpus, ReviewInfo
from .graphs import features_graph_iri, link_iri, links_graph_iri
from .linker import Link, Linker
from .settings import (BASES, BASIS_FILE, BASIS_SCHEME, ORGANISATION, PARTNERSHIP, RECURRING, STATED_REPEAT,
                       THEME, BasisSettings, Settings)
from .tokens import Tokeniser
from .refresh import read_records, recompute_all, recompute_store, update, updater
from .write import Writer, loader, nq_iri

__all__ = [
    "BASES", "BASIS_FILE", "BASIS_SCHEME", "ORGANISATION", "PARTNERSHIP", "RECURRING", "STATED_REPEAT", "THEME",
    "BasisSettings", "Corpus", "Link", "Linker", "ReviewInfo", "Settings", "Tokeniser", "Writer",
    "features_graph_iri", "link_iri", "links_graph_iri", "loader", "nq_iri", "read_records", "recompute_all", "recompute_store",
    "update", "updater",
]
