"""A real Oxigraph server on loopback: publish the store to it, run the named queries there."""

from __future__ import annotations


import pytest

from dhr_graph.errors import StoreError
from dhr_graph.queries import library, run
from dhr_graph.publish import publish_all as publish
from dhr_graph.remote import RemoteStore
from dhr_graph.store import GraphStore

from . import servers


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if servers.oxigraph_binary() is None:
        pytest.skip("the Oxigraph server (pip package 'oxigraph', a dev extra) is not installed")
    proc, base = servers.start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"), union=True)
    yield base
    servers.stop(proc)


@pytest.fixture(scope="module")
def published(server, sample_store):
    sent = publish(GraphStore(sample_store), f"{server}/store")
    assert sent == len(list(GraphStore(sample_store).quads()))  # internal graphs (caches) stay home
    return server


def test_named_queries_give_the_same_rows_remotely(published, sample_store):
    local, remote = GraphStore(sample_store), RemoteStore(f"{published}/query")
    checked = 0
    for name, nq in library().items():
        if any(p.required for p in nq.params):
            continue
        here = run(local, nq)
        there = run(remote, nq)
        assert there.variables == here.variables, name
        key = lambda row: sorted((k, v or "") for k, v in row.items())  # noqa: E731
        assert sorted(map(key, there.values())) == sorted(map(key, here.values())), name
        checked += 1
    assert checked >= 5


def test_parameters_are_bound_remotely_too(published, sample_store):
    nq = library()["shared-agencies"]
    rows = run(RemoteStore(f"{published}/query"), nq, {"min": "6"}).values()
    assert [r["label"] for r in rows] == ["Southern Health NHS Foundation Trust"]


def test_unreachable_endpoint_is_one_clear_error():
    with pytest.raises(StoreError, match="cannot reach endpoint"):
        RemoteStore(f"http://127.0.0.1:{servers.free_port()}/query", timeout=2).query("ASK {}")


def test_endpoint_must_be_http():
    with pytest.raises(StoreError, match="http"):
        RemoteStore("file:///etc/passwd")


def test_publish_command(server, sample_store):
    from click.testing import CliRunner

    from dhr_graph.cli import main

    store = GraphStore(sample_store)
    result = CliRunner().invoke(main, ["publish", "--store", str(sample_store), "--to", f"{server}/store", "--full"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"sent {len(store.named_graphs())} graphs ({len(list(store.quads()))} quads, ")
    again = CliRunner().invoke(main, ["publish", "--store", str(sample_store), "--to", f"{server}/store"])
    assert again.exit_code == 0, again.output
    assert again.stdout == f"nothing to publish: {len(store.named_graphs())} graphs unchanged at {server}/store\n"
    bad = CliRunner().invoke(main, ["publish", "--store", str(sample_store), "--to", f"{server}/nowhere"])
    assert bad.exit_code == 2 and "HTTP 404" in bad.stderr and "Traceback" not in bad.output


def test_query_command_on_endpoint(published):
    from click.testing import CliRunner

    from dhr_graph.cli import main

    result = CliRunner().invoke(main, ["query", "shared-agencies", "--endpoint", f"{published}/query",
                                       "--param", "min=6", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("Southern Health NHS Foundation Trust,6,1,")
