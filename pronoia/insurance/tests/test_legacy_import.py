import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pronoia.core.errors import PronoiaError
from pronoia.employers.models import Employer
from pronoia.insurance import legacy_import
from pronoia.insurance.models import ImportBatch, InsurancePeriod, LinkageReview, SourceRegistry
from pronoia.insurance.services import legacy_import_file, periods_relink_unlinked
from pronoia.insurance.tests.legacy_csv import BIRTH, amka, csv_text, legacy_row, write_export
from pronoia.people.models import LegacyIdentifier, Person
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.usefixtures("funds")


def run(path, source="IKA", **kwargs) -> ImportBatch:
    return legacy_import_file(path=path, source_code=source, country="gr", **kwargs)


def test_import_creates_person_employer_and_period_with_provenance(tmp_path):
    batch = run(write_export(tmp_path, [legacy_row()]))

    assert (batch.status, batch.rows_read, batch.rows_created, batch.rows_error) == ("completed", 1, 1, 0)
    period = InsurancePeriod.objects.get()
    person = Person.objects.get()
    assert (person.national_id, person.birth_date, person.name_key) == (amka(), BIRTH, "papadopulos|georgios")
    assert period.person == person and period.link_method == "national_id"
    assert period.employer == Employer.objects.get(registry_no="500001")
    assert period.source == SourceRegistry.objects.get(code="IKA")
    assert (period.source_record_id, period.import_batch, period.source_line) == ("R1", batch, 2)
    assert period.earnings == Decimal("1200.50") and period.contributions == Decimal("480.20")
    assert period.received_at.tzinfo is not None
    assert len(period.record_hash) == 64 and len(period.fact_hash) == 64
    assert period.reported_surname == "Παπαδόπουλος" and period.legacy_fund_code == "IKA-ETAM"


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write_export(tmp_path, [legacy_row(), legacy_row(source_record_id="R2", period_from="2010-02-01", period_to="2010-02-28")])
    run(path)
    again = run(path)

    assert (again.rows_read, again.rows_unchanged, again.rows_created, again.rows_superseding) == (2, 2, 0, 0)
    assert InsurancePeriod.objects.count() == 2 and Person.objects.count() == 1


def test_changed_record_supersedes_the_live_version(tmp_path):
    run(write_export(tmp_path, [legacy_row()], name="a.csv"))
    old = InsurancePeriod.objects.get()
    batch = run(write_export(tmp_path, [legacy_row(earnings="1300.00")], name="b.csv"))

    assert (batch.rows_superseding, batch.rows_created) == (1, 0)
    old.refresh_from_db()
    new = InsurancePeriod.objects.exclude(pk=old.pk).get()
    assert old.status == "superseded" and old.superseded_by == new
    assert old.earnings == Decimal("1200.50") and new.earnings == Decimal("1300.00") and new.status == "confirmed"
    # A second correction supersedes the new live version, not the old one.
    run(write_export(tmp_path, [legacy_row(earnings="1400.00")], name="c.csv"))
    new.refresh_from_db()
    assert new.status == "superseded" and InsurancePeriod.objects.exclude(status="superseded").get().earnings == Decimal("1400.00")


def test_same_facts_from_another_source_count_once(tmp_path):
    path = write_export(tmp_path, [legacy_row(contributions="1.00")])
    run(path, source="IKA")
    batch = run(path, source="EFKA-DECL")

    assert (batch.rows_created, batch.rows_duplicate) == (1, 1)
    first, second = InsurancePeriod.objects.order_by("pk")
    assert first.duplicate_of is None and second.duplicate_of == first
    assert [p.counts for p in (first, second)] == [True, False]


def test_repeated_facts_inside_one_file_count_once(tmp_path):
    batch = run(write_export(tmp_path, [legacy_row(), legacy_row(source_record_id="R2")]))

    first, second = InsurancePeriod.objects.order_by("pk")
    assert batch.rows_duplicate == 1 and second.duplicate_of == first


def test_links_by_legacy_member_number_learnt_from_a_row_with_national_id(tmp_path):
    rows = [
        legacy_row(source_record_id="R1", legacy_member_no="M-77".replace("-", "")),
        legacy_row(source_record_id="R2", national_id="", legacy_member_no="M77", surname="Other", period_from="2010-02-01", period_to="2010-02-28"),
    ]
    batch = run(write_export(tmp_path, rows))

    person = Person.objects.get()
    assert LegacyIdentifier.objects.get().person == person
    linked = InsurancePeriod.objects.get(source_record_id="R2")
    assert (linked.person, linked.link_method) == (person, "legacy_id")
    assert batch.rows_unmatched == 0


def test_rows_before_the_row_that_teaches_the_member_number_are_relinked(tmp_path):
    early = [
        legacy_row(source_record_id=f"E{i}", national_id="", legacy_member_no="M77", surname="Nobody", period_from=f"2009-0{i}-01", period_to=f"2009-0{i}-28")
        for i in range(1, 4)
    ]
    teacher = legacy_row(source_record_id="T", legacy_member_no="M77")
    batch = run(write_export(tmp_path, [*early, teacher]), chunk_size=2)

    assert batch.rows_unmatched == 0
    assert set(InsurancePeriod.objects.values_list("link_method", flat=True)) == {"legacy_id", "national_id"}
    assert InsurancePeriod.objects.filter(person__isnull=True).count() == 0


def test_older_unlinked_rows_are_relinked_by_a_later_import(tmp_path):
    first = run(write_export(tmp_path, [legacy_row(source_record_id="E1", national_id="", legacy_member_no="M77", surname="Nobody")], name="a.csv"))
    assert first.rows_unmatched == 1
    run(write_export(tmp_path, [legacy_row(source_record_id="T", legacy_member_no="M77", period_from="2011-01-01", period_to="2011-01-31")], name="b.csv"), source="EFKA")

    old = InsurancePeriod.objects.get(source_record_id="E1")
    assert old.link_method == "legacy_id" and old.person.national_id == amka() and old.fact_hash


def test_relink_service_links_only_known_member_numbers(tmp_path):
    run(write_export(tmp_path, [
        legacy_row(source_record_id="A", national_id="", legacy_member_no="K1", surname="Nobody"),
        legacy_row(source_record_id="B", national_id="", legacy_member_no="K2", surname="Nobody", period_from="2010-03-01", period_to="2010-03-31"),
    ]))
    person = PersonFactory()
    LegacyIdentifier.objects.create(person=person, fund_code="IKA-ETAM", member_no="K1")

    assert periods_relink_unlinked(legacy_keys=[("IKA-ETAM", "K1"), ("IKA-ETAM", "K2")]) == {person.pk}
    assert InsurancePeriod.objects.get(source_record_id="A").person == person
    assert InsurancePeriod.objects.get(source_record_id="B").person is None


def test_links_by_name_and_birth_date_when_exactly_one_person_matches(tmp_path):
    person = PersonFactory(surname="Papadopoulos", given_name="Georgios", birth_date=BIRTH)
    PersonFactory(surname="Papadopoulos", given_name="Georgios", birth_date=dt.date(1971, 1, 1))
    run(write_export(tmp_path, [legacy_row(national_id="", surname="ΠΑΠΑΔΟΠΟΥΛΟΣ", given_name="ΓΕΩΡΓΙΟΣ")]))

    period = InsurancePeriod.objects.get()
    assert (period.person, period.link_method) == (person, "name_birth_date")


def test_similar_name_goes_to_one_review_per_identity_and_is_never_merged(tmp_path):
    person = PersonFactory(surname="Papadopoulos", given_name="Georgios", birth_date=BIRTH)
    rows = [
        legacy_row(source_record_id="R1", national_id="", legacy_member_no="X1", surname="Papadopoylos", given_name="Georgis"),
        legacy_row(source_record_id="R2", national_id="", legacy_member_no="X1", surname="Papadopoylos", given_name="Georgis", period_from="2010-02-01", period_to="2010-02-28"),
    ]
    batch = run(write_export(tmp_path, rows))

    review = LinkageReview.objects.get()
    assert (batch.rows_review, batch.rows_unmatched) == (2, 0)
    assert review.status == "open" and [c.person for c in review.candidates.all()] == [person]
    assert set(InsurancePeriod.objects.values_list("person", "review", "link_method")) == {(None, review.pk, "none")}
    # Re-importing another record of the same identity joins the same review.
    run(write_export(tmp_path, [{**rows[0], "source_record_id": "R3", "period_from": "2010-03-01", "period_to": "2010-03-31"}], name="b.csv"))
    assert LinkageReview.objects.count() == 1 and review.periods.count() == 3


def test_two_persons_with_same_name_and_birth_date_are_uncertain(tmp_path):
    a = PersonFactory(surname="Papadopoulos", given_name="Georgios", birth_date=BIRTH)
    b = PersonFactory(surname="Papadopoulos", given_name="Georgios", birth_date=BIRTH)
    batch = run(write_export(tmp_path, [legacy_row(national_id="")]))

    assert batch.rows_review == 1
    assert {c.person for c in LinkageReview.objects.get().candidates.all()} == {a, b}


def test_no_candidate_is_stored_unmatched(tmp_path):
    batch = run(write_export(tmp_path, [legacy_row(national_id="", surname="Nobody")]))

    period = InsurancePeriod.objects.get()
    assert batch.rows_unmatched == 1 and period.person is None and period.link_method == "none" and period.review is None


def test_national_id_errors_are_row_errors_and_good_rows_are_kept(tmp_path):
    bad_checksum = amka()[:-1] + str((int(amka()[-1]) + 1) % 10)
    rows = [
        legacy_row(source_record_id="R1", national_id=bad_checksum),
        legacy_row(source_record_id="R2", birth_date="1970-05-18"),
        legacy_row(source_record_id="R3", period_from="2010-03-01", period_to="2010-03-31"),
    ]
    batch = run(write_export(tmp_path, rows))

    errors = list(batch.row_errors.values_list("line_no", "field", "code"))
    assert errors == [(2, "national_id", "national_id_bad_checksum"), (3, "birth_date", "birth_date_mismatch")]
    assert (batch.rows_read, batch.rows_error, batch.rows_created) == (3, 2, 1)


def test_wrong_header_imports_nothing(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(csv_text([legacy_row()]).replace("surname,given_name", "given_name,surname"))

    with pytest.raises(PronoiaError) as exc:
        run(path)

    assert exc.value.code == "bad_header" and "source_record_id,national_id" in exc.value.message
    assert ImportBatch.objects.get().status == "failed" and not InsurancePeriod.objects.exists()


def test_wrong_encoding_names_the_line_and_suggests_cp1253(tmp_path):
    rows = [legacy_row(), legacy_row(source_record_id="R2", national_id="", legacy_member_no="Q", period_from="2010-02-01", period_to="2010-02-28")]
    path = tmp_path / "greek.csv"
    text = csv_text(rows)
    path.write_bytes(text.encode("cp1253"))

    batch = run(path)

    errors = list(batch.row_errors.all())
    assert [(e.line_no, e.code) for e in errors] == [(2, "bad_encoding"), (3, "bad_encoding")]
    assert "Line 2 is not valid utf-8" in errors[0].message and "--encoding cp1253" in errors[0].message
    assert batch.rows_error == 2 and not InsurancePeriod.objects.exists()
    fixed = run(path, encoding="cp1253")
    assert fixed.rows_created == 2 and Person.objects.get().surname == "Παπαδόπουλος"


def test_truncated_file_errors_on_last_line_and_full_file_completes(tmp_path):
    rows = [legacy_row(source_record_id=f"R{m}", period_from=f"2010-{m:02d}-01", period_to=f"2010-{m:02d}-28") for m in range(1, 5)]
    full = csv_text(rows)
    truncated = tmp_path / "cut.csv"
    truncated.write_text(full[: len(full) - 12])

    batch = run(truncated)

    assert (batch.rows_created, batch.rows_error) == (3, 1)
    assert batch.row_errors.get().line_no == 5
    complete = run(write_export(tmp_path, rows))
    assert (complete.rows_unchanged, complete.rows_created) == (3, 1)
    assert InsurancePeriod.objects.count() == 4


def test_interrupted_run_keeps_committed_chunks_and_rerun_completes(tmp_path, monkeypatch):
    rows = [legacy_row(source_record_id=f"R{m}", period_from=f"2010-{m:02d}-01", period_to=f"2010-{m:02d}-28") for m in range(1, 7)]
    path = write_export(tmp_path, rows)
    real_write = legacy_import._ChunkWriter.write
    calls = []

    def failing_write(self, chunk, out):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(self, chunk, out)

    monkeypatch.setattr(legacy_import._ChunkWriter, "write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        run(path, chunk_size=2)
    interrupted = ImportBatch.objects.get()
    assert interrupted.status == "failed" and interrupted.last_line == 3 and InsurancePeriod.objects.count() == 2

    monkeypatch.setattr(legacy_import._ChunkWriter, "write", real_write)
    rerun = run(path, chunk_size=2)
    assert (rerun.rows_unchanged, rerun.rows_created) == (2, 4) and InsurancePeriod.objects.count() == 6


def test_flags_are_recomputed_for_touched_persons(tmp_path, monkeypatch):
    seen: list[set[int]] = []
    monkeypatch.setattr(legacy_import, "flags_recompute_after_linkage", lambda *, person_ids: seen.append(set(person_ids)))
    run(write_export(tmp_path, [legacy_row()]))

    assert seen == [{Person.objects.get().pk}]


def test_queries_do_not_grow_with_rows(tmp_path):
    def export(n: int, name: str):
        rows = []
        for i in range(n):
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=i * 40)
            rows.append(legacy_row(
                source_record_id=f"{name}{i}", national_id=amka(birth, i), birth_date=birth.isoformat(),
                legacy_member_no=f"{name}{i}", employer_registry_no=f"9{i}",
            ))
            rows.append(legacy_row(source_record_id=f"{name}{i}n", national_id="", surname=f"Nobody{i}", birth_date=birth.isoformat()))
        return write_export(tmp_path, rows, name=f"{name}.csv")

    small, large = export(3, "s"), export(30, "l")
    with CaptureQueriesContext(connection) as few:
        run(small)
    with CaptureQueriesContext(connection) as many:
        run(large)
    # 10x the rows: only the source lookup and SQLite's insert batching (999 parameters) differ.
    assert len(many) <= len(few) + 5


def test_command_prints_a_summary_with_first_errors(tmp_path, capsys):
    path = write_export(tmp_path, [legacy_row(), legacy_row(source_record_id="R2", days="-1")])

    call_command("import_legacy", str(path), "--source", "IKA", "--country", "gr")

    out = capsys.readouterr().out
    assert "rows read        2" in out and "created          1" in out and "errors           1" in out
    assert "line 3: days: negative" in out


def test_command_reports_a_bad_header_clearly(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n")

    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="bad_header"):
        call_command("import_legacy", str(path), "--source", "IKA")


def test_progress_bar_is_shown_on_request(tmp_path, capsys):
    run(write_export(tmp_path, [legacy_row()]), progress=True)

    assert "export.csv" in capsys.readouterr().err


def test_period_columns_are_the_models_fields():
    from pronoia.insurance.legacy_import import _PERIOD_COLUMNS

    assert sorted(_PERIOD_COLUMNS) == sorted(f.attname for f in InsurancePeriod._meta.concrete_fields)


def test_flags_are_recomputed_once_per_file_for_the_persons_of_all_chunks(tmp_path, monkeypatch):
    seen: list[set[int]] = []
    monkeypatch.setattr(legacy_import, "flags_recompute_after_linkage", lambda *, person_ids: seen.append(set(person_ids)))
    other = amka(dt.date(1980, 2, 3), 2)
    rows = [
        legacy_row(source_record_id="A1"),
        legacy_row(source_record_id="B1", national_id=other, birth_date="1980-02-03", period_from="2010-02-01", period_to="2010-02-28"),
        legacy_row(source_record_id="A2", period_from="2010-03-01", period_to="2010-03-31"),
    ]
    run(write_export(tmp_path, rows), chunk_size=1)

    assert seen == [set(Person.objects.values_list("pk", flat=True))] and len(seen[0]) == 2


def test_interrupted_run_recomputes_the_flags_of_committed_chunks(tmp_path, monkeypatch):
    seen: list[set[int]] = []
    monkeypatch.setattr(legacy_import, "flags_recompute_after_linkage", lambda *, person_ids: seen.append(set(person_ids)))
    real_write = legacy_import._ChunkWriter.write
    calls = []

    def failing_write(self, chunk, out):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(self, chunk, out)

    monkeypatch.setattr(legacy_import._ChunkWriter, "write", failing_write)
    rows = [legacy_row(source_record_id=f"R{m}", period_from=f"2010-{m:02d}-01", period_to=f"2010-{m:02d}-28") for m in range(1, 4)]
    with pytest.raises(KeyboardInterrupt):
        run(write_export(tmp_path, rows), chunk_size=2)

    assert seen == [{Person.objects.get().pk}]
