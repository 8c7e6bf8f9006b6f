"""Back office of the insurance file: funds, imports, periods, flags, corrections and the
linkage review queue (merge, reject, reopen, split), all decisions through the audited services
of ``pronoia.insurance.linkage_review``.
"""
from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pronoia.accounts.roles import DataCategory
from pronoia.accounts.staff.admin_site import PURPOSE_LINKAGE_REVIEW, PersonDataAccessAdminMixin
from pronoia.accounts.staff.reauth import reauth_fresh, reauth_redirect, reauth_required
from pronoia.audit.models import AuditEvent
from pronoia.core.countries import Country
from pronoia.core.errors import PronoiaError
from pronoia.insurance.linkage_review import period_split, review_merge, review_reject, review_reopen
from pronoia.insurance.models import (
    CorrectionRequest,
    DataQualityFlag,
    Fund,
    ImportBatch,
    ImportRowError,
    InsurancePeriod,
    LinkageCandidate,
    LinkageReview,
    SourceRegistry,
)
from pronoia.people.models import LegacyIdentifier, Person
from pronoia.people.selectors import person_get_by_national_id


class ReadOnlyAdminMixin:
    """View-only: rows written by imports and services are never edited in the back office."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "kind"]
    list_filter = ["country", "kind"]
    search_fields = ["code", "name"]
    ordering = ["country", "code"]

    def has_delete_permission(self, request: HttpRequest, obj: Fund | None = None) -> bool:
        return False


@admin.register(SourceRegistry)
class SourceRegistryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country"]
    list_filter = ["country"]
    search_fields = ["code", "name"]
    ordering = ["code"]

    def has_delete_permission(self, request: HttpRequest, obj: SourceRegistry | None = None) -> bool:
        return False


class ImportRowErrorInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ImportRowError
    fields = ["line_no", "field", "code", "message", "excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "source", "file_name", "status", "started_at", "finished_at",
        "rows_read", "rows_created", "rows_unchanged", "rows_superseding", "rows_duplicate",
        "rows_unmatched", "rows_review", "rows_error",
    ]  # fmt: skip
    list_filter = ["status", "source"]
    search_fields = ["file_name", "=file_sha256"]
    list_select_related = ["source"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
    inlines = [ImportRowErrorInline]


class SplitForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(InsurancePeriod)
class InsurancePeriodAdmin(PersonDataAccessAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "person", "fund", "employer", "period_from", "period_to", "days", "earnings",
        "status", "link_method", "source", "source_record_id",
    ]  # fmt: skip
    list_filter = ["status", "link_method", "insurance_type", "fund", "source"]
    search_fields = [
        "=person__national_id", "=reported_national_id", "=source_record_id", "=legacy_member_no",
        "reported_surname", "person__surname",
    ]  # fmt: skip
    list_select_related = ["person", "fund", "employer", "source"]
    autocomplete_fields = ["person", "employer"]
    raw_id_fields = ["superseded_by", "duplicate_of", "review", "import_batch"]
    date_hierarchy = "period_from"
    ordering = ["-id"]
    actions = ["split_off"]
    person_data_categories = (DataCategory.IDENTITY, DataCategory.INSURANCE_RECORD)
    # Periods are never edited in place: a correction is a new, superseding record from a source.
    readonly_fields = [f.name for f in InsurancePeriod._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: InsurancePeriod | None = None) -> bool:
        return False

    def has_split_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("insurance.change_insuranceperiod") and request.user.has_perm("insurance.change_linkagereview")

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        # Every field is read-only, so a save button would only write an empty change log entry.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Split off into the review queue"), permissions=["split"])
    def split_off(self, request: HttpRequest, queryset: QuerySet[InsurancePeriod]) -> HttpResponse | None:
        periods = list(queryset.select_related("person", "fund", "source").order_by("person_id", "period_from"))
        unlinked = [p.pk for p in periods if p.person_id is None]
        if unlinked:
            self.message_user(
                request,
                _("Records %(ids)s are not linked to anybody; there is nothing to split.") % {"ids": ", ".join(map(str, unlinked))},
                messages.ERROR,
            )
            return None
        form = SplitForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and not reauth_fresh(request):
            # Splitting moves a person's records out of their file: a fresh second factor first.
            return reauth_redirect(request)
        if form.is_bound and form.is_valid():
            by_person: dict[int, list[int]] = defaultdict(list)
            persons: dict[int, Person] = {}
            for period in periods:
                by_person[period.person_id].append(period.pk)
                persons[period.person_id] = period.person
            try:
                # All or nothing when several persons' records were selected.
                with transaction.atomic():
                    reviews = [
                        period_split(person=persons[pid], period_ids=ids, actor=request.user, reason=form.cleaned_data["reason"])
                        for pid, ids in by_person.items()
                    ]
            except PronoiaError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(
                request,
                _("%(count)d records split off into review(s) %(reviews)s.")
                % {"count": len(periods), "reviews": ", ".join(f"#{r.pk}" for r in reviews)},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Split records off into the review queue"),
            "opts": self.model._meta,
            "periods": periods,
            "form": form,
            "action_name": "split_off",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/insurance/insuranceperiod/split_confirmation.html", context)


@admin.register(DataQualityFlag)
class DataQualityFlagAdmin(PersonDataAccessAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    person_data_categories = (DataCategory.IDENTITY, DataCategory.INSURANCE_RECORD)
    list_display = ["id", "code", "status", "person", "period", "key", "message", "detected_at", "resolved_at"]
    list_filter = ["code", "status"]
    search_fields = ["=person__national_id", "key"]
    list_select_related = ["person", "period"]
    readonly_fields = [f.name for f in DataQualityFlag._meta.fields]


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(PersonDataAccessAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Listed here; handled (with its own audited services) by the e-services workflow."""

    person_data_categories = (DataCategory.IDENTITY, DataCategory.INSURANCE_RECORD, DataCategory.CORRECTIONS)

    list_display = ["id", "person", "period", "flag", "status", "created_at", "created_by"]
    list_filter = ["status"]
    search_fields = ["=person__national_id"]
    list_select_related = ["person", "period", "flag", "created_by"]
    readonly_fields = [f.name for f in CorrectionRequest._meta.fields]


class LinkageCandidateInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LinkageCandidate
    fields = ["person", "score", "reasons"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class MergeForm(forms.Form):
    """Merge into a candidate (``person_id``) or into a person staff found by national identifier."""

    person_id = forms.IntegerField(required=False, min_value=1)
    country = forms.ChoiceField(choices=Country.choices, required=False)
    national_id = forms.CharField(max_length=16, required=False, strip=True)
    note = forms.CharField(max_length=2000, strip=True)

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("person_id")) == bool(data.get("national_id")):
            raise forms.ValidationError(_("Choose a candidate or give a national identifier, not both."))
        return data


class NoteForm(forms.Form):
    note = forms.CharField(max_length=2000, strip=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, strip=True)


@admin.register(LinkageReview)
class LinkageReviewAdmin(PersonDataAccessAdminMixin, admin.ModelAdmin):
    list_display = ["id", "status", "reason", "period_count", "best_candidate", "best_score", "created_at", "decided_by"]
    list_display_links = ["id", "status"]
    list_filter = ["status"]
    search_fields = ["=periods__reported_national_id", "=periods__legacy_member_no", "=candidates__person__national_id", "reason"]
    list_select_related = ["decided_by"]
    readonly_fields = ["identity_key", "reason", "status", "merged_into", "decided_by", "decided_at", "decision_note", "created_at"]
    inlines = [LinkageCandidateInline]
    person_data_categories = (DataCategory.IDENTITY, DataCategory.INSURANCE_RECORD)
    person_data_purpose = PURPOSE_LINKAGE_REVIEW

    def person_ids_for(self, obj: LinkageReview) -> set[int]:
        """Everyone the review page shows: the candidates, the person merged into, linked records' persons."""
        ids = set(obj.candidates.values_list("person_id", flat=True))
        ids.update(obj.periods.filter(person__isnull=False).values_list("person_id", flat=True))
        if obj.merged_into_id is not None:
            ids.add(obj.merged_into_id)
        return ids

    def get_queryset(self, request: HttpRequest) -> QuerySet[LinkageReview]:
        # Open reviews first, oldest first: the queue is worked in arrival order.
        # Not super(): it orders by get_ordering() before the annotation it orders by exists.
        return (
            LinkageReview.objects.annotate(
                open_first=Case(When(status=LinkageReview.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
                n_periods=Count("periods", distinct=True),
            )
            .prefetch_related(Prefetch("candidates", queryset=LinkageCandidate.objects.select_related("person").order_by("-score", "pk")))
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["open_first", "created_at", "pk"]

    @admin.display(description=gettext_lazy("records"), ordering="n_periods")
    def period_count(self, obj: LinkageReview) -> int:
        return obj.n_periods

    @admin.display(description=gettext_lazy("best candidate"))
    def best_candidate(self, obj: LinkageReview) -> str:
        candidates = list(obj.candidates.all())
        return str(candidates[0].person) if candidates else "-"

    @admin.display(description=gettext_lazy("score"))
    def best_score(self, obj: LinkageReview) -> str:
        candidates = list(obj.candidates.all())
        return f"{candidates[0].score:.0f}" if candidates else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LinkageReview | None = None) -> bool:
        return False

    # -- the decision views -------------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            # admin_view: staff login and CSRF; require_POST: decisions never happen on a GET.
            return self.admin_site.admin_view(require_POST(view))

        info = self.opts.app_label, self.opts.model_name
        return [
            path("<int:object_id>/merge/", wrap(self.merge_view), name="%s_%s_merge" % info),
            path("<int:object_id>/reject/", wrap(self.reject_view), name="%s_%s_reject" % info),
            path("<int:object_id>/reopen/", wrap(self.reopen_view), name="%s_%s_reopen" % info),
        ] + super().get_urls()

    def _decision_review(self, request: HttpRequest, object_id: int) -> LinkageReview:
        review = get_object_or_404(LinkageReview, pk=object_id)
        if not self.has_change_permission(request, review):
            raise PermissionDenied
        return review

    def _back(self, review: LinkageReview) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:insurance_linkagereview_change", args=[review.pk]))

    def _form_errors(self, request: HttpRequest, form: forms.Form) -> None:
        for errors in form.errors.values():
            for error in errors:
                self.message_user(request, error, messages.ERROR)

    @reauth_required  # merging persons' records: a second factor from the last few minutes
    def merge_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        review = self._decision_review(request, object_id)
        form = MergeForm(request.POST)
        if not form.is_valid():
            self._form_errors(request, form)
            return self._back(review)
        data = form.cleaned_data
        try:
            if data["person_id"]:
                candidate = review.candidates.select_related("person").filter(person_id=data["person_id"]).first()
                if candidate is None:
                    raise PronoiaError(code="not_a_candidate", message=_("This person is not a candidate of the review."), field="person_id")
                person = candidate.person
            else:
                person = person_get_by_national_id(national_id=data["national_id"], country=data["country"] or None)
            review = review_merge(review=review, person=person, actor=request.user, note=data["note"])
        except PronoiaError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._back(review)
        self.message_user(request, _("Review #%(id)s merged into %(person)s.") % {"id": review.pk, "person": person}, messages.SUCCESS)
        return self._back(review)

    def reject_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        review = self._decision_review(request, object_id)
        form = NoteForm(request.POST)
        if not form.is_valid():
            self._form_errors(request, form)
            return self._back(review)
        try:
            review = review_reject(review=review, actor=request.user, note=form.cleaned_data["note"])
        except PronoiaError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._back(review)
        self.message_user(request, _("Review #%(id)s rejected: the records are kept apart.") % {"id": review.pk}, messages.SUCCESS)
        return self._back(review)

    @reauth_required  # reopening undoes a merge: the same second-factor check as merging
    def reopen_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        review = self._decision_review(request, object_id)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            self._form_errors(request, form)
            return self._back(review)
        try:
            review = review_reopen(review=review, actor=request.user, reason=form.cleaned_data["reason"])
        except PronoiaError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._back(review)
        self.message_user(request, _("Review #%(id)s is open again.") % {"id": review.pk}, messages.SUCCESS)
        return self._back(review)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), **self._comparison_context(request, object_id)}
        # Nothing on the form itself is editable: decisions go through the buttons below it.
        extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False, show_delete_link=False)
        return super().change_view(request, object_id, form_url, extra_context)

    def _comparison_context(self, request: HttpRequest, object_id: str) -> dict:
        """The review's records (reported identity) beside each candidate's identity."""
        try:
            review = LinkageReview.objects.select_related("merged_into").get(pk=int(object_id))
        except (ValueError, LinkageReview.DoesNotExist):
            return {}  # the stock change view answers the 404
        periods = list(review.periods.select_related("person", "fund", "source").order_by("period_from", "pk"))
        candidates = list(review.candidates.select_related("person").order_by("-score", "pk"))
        legacy: dict[int, list[str]] = defaultdict(list)
        for ident in LegacyIdentifier.objects.filter(person_id__in=[c.person_id for c in candidates]).order_by("fund_code", "member_no"):
            legacy[ident.person_id].append(str(ident))

        def distinct(values) -> str:
            return ", ".join(sorted({str(v) for v in values if v})) or "-"

        reported = {
            "national_id": distinct(p.reported_national_id for p in periods),
            "legacy": distinct(f"{p.legacy_fund_code}:{p.legacy_member_no}" for p in periods if p.legacy_member_no),
            "surname": distinct(p.reported_surname for p in periods),
            "given_name": distinct(p.reported_given_name for p in periods),
            "birth_date": distinct(p.reported_birth_date for p in periods),
        }
        rows = [
            (_("National identifier"), reported["national_id"], [c.person.national_id for c in candidates]),
            (_("Legacy fund:member no"), reported["legacy"], [", ".join(legacy[c.person_id]) or "-" for c in candidates]),
            (_("Surname"), reported["surname"], [f"{c.person.surname} ({c.person.surname_latin})" for c in candidates]),
            (_("Given name"), reported["given_name"], [f"{c.person.given_name} ({c.person.given_name_latin})" for c in candidates]),
            (_("Birth date"), reported["birth_date"], [c.person.birth_date for c in candidates]),
        ]
        events = AuditEvent.objects.filter(object_type="linkage_review", object_id=str(review.pk)).select_related("actor").order_by("-at", "-pk")
        can_decide = self.has_change_permission(request, review)
        return {
            "review": review,
            "review_periods": periods,
            "candidates": candidates,
            "comparison_rows": rows,
            "review_events": list(events[:50]),
            "can_decide": can_decide,
            "is_open": review.status == LinkageReview.Status.OPEN,
            "country_choices": Country.choices,
            "merge_url": reverse("admin:insurance_linkagereview_merge", args=[review.pk]),
            "reject_url": reverse("admin:insurance_linkagereview_reject", args=[review.pk]),
            "reopen_url": reverse("admin:insurance_linkagereview_reopen", args=[review.pk]),
        }

