import csv
import json
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from pronoia.demo.loader import demo_load
from pronoia.demo.quality import linkage_quality_measure
from pronoia.demo.synthetic import population_generate
from pronoia.insurance.models import ImportBatch, InsurancePeriod
from pronoia.accounts.actors import command_actor
from pronoia.insurance.selectors import insurance_record_get
from pronoia.people.models import Person
from pronoia.people.tests.factories import PersonFactory


def read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(("country", "persons"), [("gr", 80), ("bg", 50)])
def test_importing_the_exports_reproduces_the_careers_of_correctly_linked_persons(funds, tmp_path, country, persons):
    result = population_generate(persons=persons, seed=11, country=country, out_dir=tmp_path)
    summary = demo_load(out_dir=tmp_path, country=country, sources=list(result.exports), show_progress=False)

    assert summary.persons_created == persons
    assert Person.objects.count() == persons
    assert set(summary.batches) == set(result.exports)
    for code, batch in summary.batches.items():
        assert batch.status == ImportBatch.Status.COMPLETED, batch.message
        assert batch.rows_read == result.rows[code]
        assert batch.rows_error == 0, batch.message

    quality = linkage_quality_measure(truth_path=result.truth_path)
    assert quality["truth_rows"] == sum(result.rows.values())
    assert quality["imported"] == quality["truth_rows"]
    assert quality["precision"] >= 0.99, quality
    assert quality["recall"] >= 0.95, quality

    # A person is correctly linked when all their rows, and only those, are linked to them.
    links = dict(
        ((s, r), nid)
        for s, r, nid in InsurancePeriod.objects.exclude(status="superseded").values_list("source__code", "source_record_id", "person__national_id")
    )
    spoiled = set()
    by_person = defaultdict(list)
    for t in read(result.truth_path):
        by_person[t["national_id"]].append(links[(t["source"], t["source_record_id"])])
        linked = links[(t["source"], t["source_record_id"])]
        if linked is not None and linked != t["national_id"]:
            spoiled.add(linked)
    complete = {nid for nid, linked in by_person.items() if all(x == nid for x in linked)} - spoiled
    assert len(complete) >= 0.9 * len(by_person)

    counted = (
        InsurancePeriod.objects.exclude(status="superseded").filter(duplicate_of__isnull=True, person__isnull=False)
        .values("person__national_id").annotate(rows=Count("id"), days=Sum("days"), earnings=Sum("earnings"), contributions=Sum("contributions"))
    )
    imported = {c["person__national_id"]: c for c in counted}
    checked = 0
    for total in read(result.totals_path):
        if total["national_id"] not in complete:
            continue
        got = imported[total["national_id"]]
        assert (got["rows"], got["days"], got["earnings"], got["contributions"]) == (
            int(total["rows"]), int(total["days"]), Decimal(total["earnings"]), Decimal(total["contributions"])
        ), total["national_id"]
        # The totals the person sees in their file are the same.
        shown = insurance_record_get(actor=command_actor("test_loader"), purpose="demo loader test", person=Person.objects.get(country=country, national_id=total["national_id"]))["totals"]
        assert (shown["days"], Decimal(shown["earnings"])) == (int(total["days"]), Decimal(total["earnings"])), total["national_id"]
        checked += 1
    assert checked == len(complete)


@pytest.mark.django_db
def test_demo_generate_if_empty_does_nothing_when_persons_exist(tmp_path):
    PersonFactory()
    out = StringIO()
    call_command("demo_generate", "--persons", "20", "--if-empty", "--out", str(tmp_path / "demo"), stdout=out)
    assert "already exist" in out.getvalue()
    assert not (tmp_path / "demo").exists()


@pytest.mark.django_db
def test_demo_generate_without_load_writes_the_files_only(tmp_path):
    out = StringIO()
    call_command("demo_generate", "--persons", "30", "--seed", "5", "--country", "pl", "--no-load", "--out", str(tmp_path), stdout=out)
    assert "ZUS.csv" in out.getvalue()
    assert (tmp_path / "ground_truth.csv").exists()
    assert Person.objects.count() == 0


def test_demo_generate_loads_and_linkage_quality_reports(funds, tmp_path):
    out = StringIO()
    call_command("demo_generate", "--persons", "25", "--seed", "2", "--country", "gr", "--out", str(tmp_path), stdout=out)
    assert "Loaded 25 persons" in out.getvalue()
    report = StringIO()
    call_command("linkage_quality", "--truth", str(tmp_path / "ground_truth.csv"), "--json", stdout=report)
    quality = json.loads(report.getvalue())
    assert quality["imported"] == quality["truth_rows"] > 0
    assert quality["links"] == quality["correct"] + quality["wrong"]
    text = StringIO()
    call_command("linkage_quality", "--truth", str(tmp_path / "ground_truth.csv"), stdout=text)
    assert "precision" in text.getvalue()
