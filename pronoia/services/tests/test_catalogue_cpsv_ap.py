"""The CPSV-AP 3.2.0 exports validate with pySHACL against the official shapes, with no violation."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from pronoia.services.catalogue.cpsv_ap import CPSV, CV, ELI, catalogue_graph
from pronoia.services.catalogue.selectors import catalogue_services

VENDORED_SHAPES = Path(__file__).resolve().parents[1] / "catalogue" / "shapes" / "cpsv-ap-SHACL.ttl"
# The shared standards folder beside the repository (../shared/standards/...), when present.
SHARED_SHAPES = Path(__file__).resolve().parents[3].parent / "shared" / "standards" / "cpsv-ap-3.2.0" / "cpsv-ap-SHACL.ttl"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(VENDORED_SHAPES, format="turtle")


def shacl_report(data: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _graph, text = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return conforms, text


def test_vendored_shapes_equal_the_shared_standard():
    if not SHARED_SHAPES.exists():
        pytest.skip("no ../shared/standards folder beside this clone; the vendored copy is used")
    assert VENDORED_SHAPES.read_bytes() == SHARED_SHAPES.read_bytes()


def test_whole_catalogue_conforms(shapes):
    graph = catalogue_graph(catalogue_services(), base="https://portal.example/")
    conforms, text = shacl_report(graph, shapes)
    assert conforms, text
    services = set(graph.subjects(RDF.type, CPSV.PublicService))
    assert len(services) == len(catalogue_services())


def test_the_validation_would_catch_a_broken_service(shapes):
    # The shapes really target our nodes: a service without a title, or with two identifiers, fails.
    graph = catalogue_graph(catalogue_services(country="gr"), base="https://portal.example/")
    service = URIRef("https://portal.example/services/gr-a1-document/")
    graph.remove((service, DCTERMS.title, None))
    graph.add((service, DCTERMS.identifier, Literal("second identifier")))
    conforms, text = shacl_report(graph, shapes)
    assert not conforms
    assert "MinCountConstraintComponent" in text and "MaxCountConstraintComponent" in text


def test_service_carries_what_the_catalogue_says():
    graph = catalogue_graph(catalogue_services(country="gr"), base="https://portal.example/")
    service = URIRef("https://portal.example/services/gr-insurance-history-certificate/")
    assert (service, CV.processingTime, Literal("PT0S", datatype=XSD.duration)) in graph
    titles = {literal.language: str(literal) for literal in graph.objects(service, DCTERMS.title)}
    assert titles["el"] == "Βεβαίωση ασφαλιστικού ιστορικού" and set(titles) == {"en", "el", "pl", "bg", "ru"}
    laws = set(graph.objects(URIRef("https://portal.example/services/gr-a1-document/"), CV.hasLegalResource))
    assert URIRef("http://data.europa.eu/eli/reg/2004/883/oj") in laws
    assert all((law, RDF.type, ELI.LegalResource) in graph for law in laws)
    cost = next(graph.objects(service, CV.hasCost))
    assert graph.value(cost, CV.hasValue) == Literal(0.0, datatype=XSD.double)
    assert graph.value(cost, CV.currency) == URIRef("http://publications.europa.eu/resource/authority/currency/EUR")


def _jsonld_graph(body: bytes) -> Graph:
    with warnings.catch_warnings():
        # rdflib's JSON-LD parser builds a ConjunctiveGraph internally and warns about it.
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=body.decode("utf-8"), format="json-ld")


def test_published_exports_conform_and_agree(client, shapes, settings):
    settings.PRONOIA_PUBLIC_URL = "https://portal.example"
    turtle = client.get("/catalogue/cpsv-ap.ttl")
    jsonld = client.get("/catalogue/cpsv-ap.jsonld")
    assert turtle.status_code == 200 and turtle["Content-Type"] == "text/turtle; charset=utf-8"
    assert jsonld.status_code == 200 and jsonld["Content-Type"] == "application/ld+json; charset=utf-8"
    from_turtle = Graph().parse(data=turtle.content.decode("utf-8"), format="turtle")
    from_jsonld = _jsonld_graph(jsonld.content)
    assert from_turtle.isomorphic(from_jsonld)
    conforms, text = shacl_report(from_jsonld, shapes)
    assert conforms, text
    # Services are identified by their public page at the portal's public address (not the Host header).
    assert (URIRef("https://portal.example/services/gr-a1-document/"), RDF.type, CPSV.PublicService) in from_turtle
