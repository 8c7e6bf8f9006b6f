"""The catalogue as CPSV-AP 3.2.0 linked data (rdflib): JSON-LD and Turtle.

Every node carries the types the CPSV-AP SHACL shapes check with sh:class (a competent authority is
both cv:PublicOrganisation and org:Organization, codes are skos:Concept, places dct:Location,
languages dct:LinguisticSystem), so the export validates with pySHACL against the official shapes.
Services are identified by their public page (/services/<code>/); EU and national reference data by
the EU Publications Office authority tables; EU laws by their ELI.
"""
from __future__ import annotations

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, SKOS

from pronoia.services.catalogue.selectors import LANGUAGES, ServiceEntry, Text

CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_CURRENCY = Namespace("http://publications.europa.eu/resource/authority/currency/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
# ISO 639-2/B-style codes of the EU "language" authority table for the portal's languages.
LANGUAGE_AUTHORITY = {"en": "ENG", "el": "ELL", "pl": "POL", "bg": "BUL", "ru": "RUS"}
CONTEXT = {
    "cpsv": str(CPSV),
    "cv": str(CV),
    "dct": str(DCTERMS),
    "eli": str(ELI),
    "foaf": str(FOAF),
    "org": str(ORG),
    "skos": str(SKOS),
    "dcat": str(DCAT),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
}


def _texts(graph: Graph, node: URIRef, predicate: URIRef, text: Text) -> None:
    for language in LANGUAGES:
        graph.add((node, predicate, Literal(text.texts[language], lang=language)))


def catalogue_graph(entries: list[ServiceEntry], *, base: str) -> Graph:
    """The CPSV-AP graph of `entries`; `base` is the portal's absolute root URL ("https://host/")."""
    base = base.rstrip("/") + "/"
    ns = Namespace(f"{base}catalogue/id/")
    graph = Graph()
    for prefix, uri in CONTEXT.items():
        graph.bind(prefix, uri)

    def concept(node: URIRef, label: str) -> URIRef:
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        return node

    for entry in entries:
        service = URIRef(f"{base}services/{entry.code}/")
        country = entry.country
        graph.add((service, RDF.type, CPSV.PublicService))
        graph.add((service, DCTERMS.identifier, Literal(entry.code)))
        _texts(graph, service, DCTERMS.title, entry.titles)
        _texts(graph, service, DCTERMS.description, entry.descriptions)
        graph.add((service, CV.processingTime, Literal(entry.processing_time, datatype=XSD.duration)))
        for language in LANGUAGES:
            language_node = EU_LANGUAGE[LANGUAGE_AUTHORITY[language]]
            graph.add((language_node, RDF.type, DCTERMS.LinguisticSystem))
            graph.add((service, DCTERMS.language, language_node))

        authority = entry.authority
        organisation = ns[f"organisation/{authority.id}"]
        place = EU_COUNTRY[authority.country_iso3]
        graph.add((organisation, RDF.type, CV.PublicOrganisation))
        graph.add((organisation, RDF.type, ORG.Organization))
        _texts(graph, organisation, SKOS.prefLabel, authority.name)
        graph.add((organisation, DCTERMS.spatial, place))
        graph.add((organisation, FOAF.homepage, URIRef(authority.homepage)))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((service, CV.hasCompetentAuthority, organisation))
        graph.add((service, DCTERMS.spatial, place))

        for channel in entry.channels:
            node = ns[f"channel/{country}/{channel.id}"]
            graph.add((node, RDF.type, CV.Channel))
            graph.add((node, DCTERMS.identifier, Literal(f"{country}-{channel.id}")))
            graph.add((node, DCTERMS.type, concept(ns[f"channel-type/{channel.kind}"], channel.kind)))
            _texts(graph, node, DCTERMS.description, channel.name)
            graph.add((node, CV.ownedBy, organisation))
            if channel.url:
                graph.add((node, RDFS.seeAlso, URIRef(channel.url)))
            graph.add((service, CV.hasChannel, node))

        for law in entry.legal_resources:
            # An EU law is its ELI; a national law without a known official URI gets ours.
            node = URIRef(law.url) if law.url.startswith("http://data.europa.eu/eli/") else ns[f"legal-resource/{country}/{law.id}"]
            graph.add((node, RDF.type, ELI.LegalResource))
            _texts(graph, node, DCTERMS.title, law.title)
            if law.url and node != URIRef(law.url):
                graph.add((node, RDFS.seeAlso, URIRef(law.url)))
            graph.add((service, CV.hasLegalResource, node))

        for evidence in entry.evidence:
            node = ns[f"evidence/{country}/{evidence.id}"]
            graph.add((node, RDF.type, CV.Evidence))
            graph.add((node, DCTERMS.identifier, Literal(f"{country}-{evidence.id}")))
            _texts(graph, node, DCTERMS.title, evidence.name)
            _texts(graph, node, DCTERMS.description, evidence.description)
            graph.add((service, CPSV.hasInput, node))

        requirement = ns[f"requirement/{entry.code}"]
        graph.add((requirement, RDF.type, CV.Requirement))
        graph.add((requirement, DCTERMS.identifier, Literal(f"{entry.code}-who-can-apply")))
        _texts(graph, requirement, DCTERMS.title, entry.who_can_apply)
        graph.add((service, CV.holdsRequirement, requirement))

        output = ns[f"output/{country}/{entry.output.id}"]
        graph.add((output, RDF.type, CV.Output))
        graph.add((output, DCTERMS.identifier, Literal(f"{country}-{entry.output.id}")))
        _texts(graph, output, DCTERMS.title, entry.output.name)
        _texts(graph, output, DCTERMS.description, entry.output.description)
        graph.add((service, CPSV.produces, output))

        cost = ns[f"cost/{entry.code}"]
        currency = EU_CURRENCY[entry.cost.currency]
        graph.add((cost, RDF.type, CV.Cost))
        graph.add((cost, DCTERMS.identifier, Literal(f"{entry.code}-cost")))
        graph.add((cost, CV.hasValue, Literal(float(entry.cost.value), datatype=XSD.double)))
        graph.add((cost, CV.currency, concept(currency, entry.cost.currency)))
        graph.add((cost, CV.isDefinedBy, organisation))
        _texts(graph, cost, DCTERMS.description, entry.cost.description)
        graph.add((service, CV.hasCost, cost))
    return graph


def catalogue_turtle(entries: list[ServiceEntry], *, base: str) -> str:
    return catalogue_graph(entries, base=base).serialize(format="turtle")


def catalogue_jsonld(entries: list[ServiceEntry], *, base: str) -> str:
    return catalogue_graph(entries, base=base).serialize(format="json-ld", context=CONTEXT, indent=1, ensure_ascii=False)
