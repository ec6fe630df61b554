"""The demo's answer key (expected.json) is a second implementation of the indicators: it must
stay independent of the pipeline it checks, or a fault there would be copied into the key."""

from __future__ import annotations

import grimp
import pytest

# the layers that compute what the answer key is compared with
PIPELINE = ("pipelines.staging", "pipelines.marts", "pipelines.indicators", "pipelines.publish", "warehouse")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("pipelines", "warehouse", cache_dir=None)


@pytest.mark.parametrize("layer", PIPELINE)
def test_the_answer_key_reaches_nothing_of_the_pipeline(graph, layer):
    chain = graph.find_shortest_chain(importer="pipelines.demo.answer_key", imported=layer, as_packages=True)
    assert chain is None, f"pipelines.demo.answer_key reaches {layer}: {' -> '.join(chain)}"


def test_the_whole_generator_reaches_nothing_of_the_pipeline(graph):
    for layer in PIPELINE:
        chain = graph.find_shortest_chain(importer="pipelines.demo", imported=layer, as_packages=True)
        assert chain is None, f"pipelines.demo reaches {layer}: {' -> '.join(chain)}"


def test_the_check_sees_an_import_chain(graph):
    """The graph does follow chains through the demo's own modules (so the tests above can fail)."""
    assert graph.find_shortest_chain(importer="pipelines.demo.generator", imported="pipelines.demo.answer_key")
    assert graph.find_shortest_chain(importer="pipelines.demo.generator", imported="pipelines.intake.schema")
