"""Knowledge-base pages for content managers (list, item with versions and diff, drafts, review,
import and export, the proposal queue) and the proposal form for contact-centre staff.

Content managers only, with their second factor (RoleRequiredMixin). Answers are shown as text:
escaped, with portal paths such as /services/ made into links and nothing else.
"""
from __future__ import annotations

import json
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.contact.models.knowledge import (
    KNOWLEDGE_LANGUAGES,
    KnowledgeCategory,
    KnowledgeItemStatus,
    KnowledgeVersionStatus,
)
from pronoia.contact.selectors import knowledge as selectors
from pronoia.contact.services import knowledge as services
from pronoia.core.countries import Country
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.documents.uploads import file_read_capped

__all__ = [
    "KnowledgeExportView",
    "KnowledgeImportView",
    "KnowledgeItemActionView",
    "KnowledgeItemCreateView",
    "KnowledgeItemEditView",
    "KnowledgeItemView",
    "KnowledgeListView",
    "KnowledgeProposalActionView",
    "KnowledgeProposalCreateView",
    "KnowledgeProposalListView",
]

KB_ROLES = frozenset({Role.CONTENT_MANAGER})
PROPOSE_ROLES = frozenset({Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR, Role.CONTENT_MANAGER})
# A path of the portal at the start of the text or after a space or bracket: /services/, /my/insurance-record.
_PORTAL_PATH = re.compile(r"(^|[\s(«“\"])(/(?:[a-z0-9][a-z0-9-]*/?)*)(?=$|[\s).,;:!?»”\"])", re.MULTILINE)


def answer_html(text: str) -> SafeString:
    """The answer as text: escaped, portal paths linked, line breaks kept."""
    escaped = str(escape(text))

    def link(match: re.Match) -> str:
        lead, path = match.group(1), match.group(2)
        if path == "/":
            return match.group(0)
        return f'{lead}<a class="govuk-link" href="{path}">{path}</a>'

    linked = _PORTAL_PATH.sub(link, escaped)
    return mark_safe(linked.replace("\n", "<br>"))  # noqa: S308 - escaped above, only our own <a> and <br> added


def _language_names() -> dict[str, str]:
    return {code: str(name) for code, name in settings.LANGUAGES}


def _rendered(translations: dict) -> list[dict]:
    names = _language_names()
    return [
        {"code": lang, "name": names.get(lang, lang), "question": block["question"], "variants": block["variants"], "answer": answer_html(block["answer"])}
        for lang, block in translations.items()
    ]


def _page(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


class KnowledgeMixin(RoleRequiredMixin):
    allowed_roles = KB_ROLES

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            return denied_render(request, exc)


def _item_or_404(pk: int):
    item = selectors.knowledge_item_get(pk=pk)
    if item is None:
        raise Http404
    return item


# --- list -------------------------------------------------------------------------------------


class KnowledgeListView(KnowledgeMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        errors = []
        text = request.GET.get("q", "")[:200]
        category = request.GET.get("category", "")
        status = request.GET.get("status", "")
        country = request.GET.get("country", "")
        categories = selectors.knowledge_categories()
        if category and category not in categories and category not in KnowledgeCategory.values:
            errors.append({"field": "category", "message": _("Choose a category from the list.")})
            category = ""
        if status and status not in KnowledgeItemStatus.values:
            errors.append({"field": "status", "message": _("Choose a status from the list.")})
            status = ""
        if country and country not in Country.values:
            errors.append({"field": "country", "message": _("Choose a country from the list.")})
            country = ""
        filters = selectors.ListFilters(country=country, text=text, category=category, status=status)
        data = selectors.knowledge_item_list(filters=filters, page=_page(request.GET.get("page")))
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in KNOWLEDGE_LANGUAGES else "en"
        labels = dict(KnowledgeCategory.choices)
        rows = []
        for item in data["items"]:
            version = item.latest_version
            translations = version.translations if version else {}
            block = translations.get(language) or translations.get("en") or next(iter(translations.values()), {})
            rows.append({"item": item, "question": block.get("question", ""), "version": version, "category": labels.get(item.category, item.category)})
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            **data,
            "rows": rows,
            "filters": filters,
            "errors": errors,
            "categories": [(c, labels.get(c, c)) for c in sorted(set(categories) | set(KnowledgeCategory.values))],
            "statuses": KnowledgeItemStatus.choices,
            "countries": Country.choices,
            "query": query.urlencode(),
            "open_proposals": selectors.knowledge_proposal_open_count(),
        }
        return render(request, "contact/knowledge/list.html", context, status=400 if errors else 200)


# --- the draft form -----------------------------------------------------------------------------


class KnowledgeDraftForm(forms.Form):
    """Item id (new items only), category, and per language its question, variants (one a line) and answer."""

    def __init__(self, *args, new: bool, extra_category: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            self.fields["country"] = forms.ChoiceField(label=gettext_lazy("Country"), choices=Country.choices, initial=settings.PRONOIA_COUNTRY)
            self.fields["item_id"] = forms.CharField(
                label=gettext_lazy("Item id"), help_text=gettext_lazy("Lowercase letters, digits and hyphens, for example hist-031. It cannot change later."),
                max_length=200, error_messages={"required": gettext_lazy("Enter the item id.")},
            )
        choices = list(KnowledgeCategory.choices)
        if extra_category and extra_category not in KnowledgeCategory.values:
            choices.append((extra_category, extra_category))
        self.fields["category"] = forms.ChoiceField(
            label=gettext_lazy("Category"), choices=choices, error_messages={"required": gettext_lazy("Choose a category."), "invalid_choice": gettext_lazy("Choose a category from the list.")}
        )
        for lang in KNOWLEDGE_LANGUAGES:
            # No max_length here: the service names the language and field of a too long text.
            self.fields[f"{lang}_question"] = forms.CharField(required=False, strip=False, label=gettext_lazy("Question"))
            self.fields[f"{lang}_variants"] = forms.CharField(required=False, strip=False, widget=forms.Textarea, label=gettext_lazy("Other ways to ask"))
            self.fields[f"{lang}_answer"] = forms.CharField(required=False, strip=False, widget=forms.Textarea, label=gettext_lazy("Answer"))

    def translations(self) -> dict:
        data = self.cleaned_data
        out = {}
        for lang in KNOWLEDGE_LANGUAGES:
            variants = [line for line in (data.get(f"{lang}_variants") or "").splitlines() if line.strip()]
            out[lang] = {"question": data.get(f"{lang}_question") or "", "variants": variants, "answer": data.get(f"{lang}_answer") or ""}
        return out

    @staticmethod
    def initial_for(translations: dict) -> dict:
        initial = {}
        for lang, block in translations.items():
            initial[f"{lang}_question"] = block.get("question", "")
            initial[f"{lang}_variants"] = "\n".join(block.get("variants", []))
            initial[f"{lang}_answer"] = block.get("answer", "")
        return initial

    def service_error_add(self, exc: PronoiaError) -> None:
        name = exc.field or ""
        if name.startswith("translations.") and name.count(".") == 2:
            _prefix, lang, part = name.split(".")
            name = f"{lang}_{part}"
        self.add_error(name if name in self.fields else None, exc.message)


def _form_context(form: KnowledgeDraftForm) -> dict:
    names = _language_names()
    languages = [
        {"code": lang, "name": names.get(lang, lang), "question": form[f"{lang}_question"], "variants": form[f"{lang}_variants"], "answer": form[f"{lang}_answer"]}
        for lang in KNOWLEDGE_LANGUAGES
    ]
    errors = [{"field": name, "message": message} for name, messages_ in form.errors.items() for message in messages_]
    return {"form": form, "languages": languages, "errors": errors}


class KnowledgeItemCreateView(KnowledgeMixin, View):
    template_name = "contact/knowledge/edit.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {**_form_context(KnowledgeDraftForm(new=True)), "new": True})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = KnowledgeDraftForm(request.POST, new=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.knowledge_item_create(
                    actor=request.actor, country=data["country"], item_id=data["item_id"].strip(), category=data["category"], translations=form.translations()
                )
            except PronoiaError as exc:
                form.service_error_add(exc)
            else:
                messages.success(request, _("Draft saved."))
                return HttpResponseRedirect(reverse("contact:knowledge_item", args=[item.pk]))
        return render(request, self.template_name, {**_form_context(form), "new": True}, status=400)


class KnowledgeItemEditView(KnowledgeMixin, View):
    """Edit the draft; on a published item the form starts from the published text and saves a new draft."""

    template_name = "contact/knowledge/edit.html"

    def _context(self, item, form, base_number) -> dict:
        return {**_form_context(form), "new": False, "item": item, "base_number": base_number}

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item_or_404(pk)
        latest = item.latest_version
        if latest is not None and latest.status in (KnowledgeVersionStatus.IN_REVIEW, KnowledgeVersionStatus.APPROVED):
            messages.error(request, _("Version %(number)s is in review: it can be changed only after it is rejected.") % {"number": latest.number})
            return HttpResponseRedirect(reverse("contact:knowledge_item", args=[item.pk]))
        initial = KnowledgeDraftForm.initial_for(latest.translations if latest else {})
        initial["category"] = item.category
        form = KnowledgeDraftForm(new=False, initial=initial, extra_category=item.category)
        return render(request, self.template_name, self._context(item, form, latest.number if latest else 0))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item_or_404(pk)
        form = KnowledgeDraftForm(request.POST, new=False, extra_category=item.category)
        base = request.POST.get("base_number", "")
        base_number = int(base) if base.isdigit() else None
        if form.is_valid():
            try:
                services.knowledge_draft_save(
                    actor=request.actor, item_pk=item.pk, category=form.cleaned_data["category"], translations=form.translations(), base_number=base_number
                )
            except NotFound:
                raise Http404 from None
            except PronoiaError as exc:
                form.service_error_add(exc)
            else:
                messages.success(request, _("Draft saved."))
                return HttpResponseRedirect(reverse("contact:knowledge_item", args=[item.pk]))
        return render(request, self.template_name, self._context(item, form, base_number), status=400)


# --- the item page and its actions ------------------------------------------------------------


def item_render(request: HttpRequest, item, *, error: PronoiaError | None = None, note: str = "", status: int = 200) -> HttpResponse:
    versions = selectors.knowledge_versions_of(item=item)
    latest, published = item.latest_version, item.published_version
    open_version = latest if latest is not None and latest.status not in (KnowledgeVersionStatus.PUBLISHED, KnowledgeVersionStatus.SUPERSEDED) else None
    names = _language_names()
    diff = []
    if open_version is not None and published is not None:
        for row in selectors.knowledge_diff(old=published.translations, new=open_version.translations):
            diff.append({**row, "language_name": names.get(row["language"], row["language"])})
    user_id = request.actor.user_id
    context = {
        "item": item,
        "versions": versions,
        "published": published,
        "published_texts": _rendered(published.translations) if published else [],
        "open_version": open_version,
        "open_texts": _rendered(open_version.translations) if open_version else [],
        "diff": diff,
        "error": error,
        "note": note,
        "is_author": open_version is not None and open_version.author_id == user_id,
        "statuses": dict(KnowledgeVersionStatus.choices),
        "category_label": dict(KnowledgeCategory.choices).get(item.category, item.category),
    }
    return render(request, "contact/knowledge/item.html", context, status=status)


class KnowledgeItemView(KnowledgeMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return item_render(request, _item_or_404(pk))


class KnowledgeItemActionView(KnowledgeMixin, View):
    """submit, approve, reject (with a note), publish, retire: one POST each, with the version number seen."""

    http_method_names = ["post"]
    action = ""
    done = {
        "submit": gettext_lazy("Sent for review."),
        "approve": gettext_lazy("Version approved. It can now be published."),
        "reject": gettext_lazy("Version sent back to its author with your note."),
        "publish": gettext_lazy("Published: the assistant answers with this version from now on."),
        "retire": gettext_lazy("Retired: the assistant no longer uses this item."),
    }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item_or_404(pk)
        raw = request.POST.get("version", "")
        number = int(raw) if raw.isdigit() else None
        note = request.POST.get("note", "")
        actor = request.actor
        try:
            if self.action == "submit":
                services.knowledge_version_submit(actor=actor, item_pk=item.pk, number=number)
            elif self.action == "approve":
                services.knowledge_version_approve(actor=actor, item_pk=item.pk, number=number, note=note)
            elif self.action == "reject":
                services.knowledge_version_reject(actor=actor, item_pk=item.pk, number=number, note=note)
            elif self.action == "publish":
                services.knowledge_version_publish(actor=actor, item_pk=item.pk, number=number)
            elif self.action == "retire":
                services.knowledge_item_retire(actor=actor, item_pk=item.pk, note=note)
        except NotFound:
            raise Http404 from None
        except PronoiaError as exc:
            item = _item_or_404(pk)
            return item_render(request, item, error=exc, note=note, status=exc.status_code)
        messages.success(request, str(self.done[self.action]))
        return HttpResponseRedirect(reverse("contact:knowledge_item", args=[item.pk]))


# --- import and export --------------------------------------------------------------------------


class KnowledgeImportView(KnowledgeMixin, View):
    """Upload a JSON file in the import format: new and changed items become drafts for review."""

    template_name = "contact/knowledge/import.html"

    def _context(self, **extra) -> dict:
        return {"countries": Country.choices, "default_country": settings.PRONOIA_COUNTRY, "max_mb": services.IMPORT_MAX_BYTES // (1024 * 1024), **extra}

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self._context())

    def post(self, request: HttpRequest) -> HttpResponse:
        country = request.POST.get("country", "")
        upload = request.FILES.get("file")
        try:
            if country not in Country.values:
                raise PronoiaError(code="kb_country", message=_("Choose a country from the list."), field="country")
            if upload is None:
                raise PronoiaError(code="kb_file_missing", message=_("Choose a JSON file to import."), field="file")
            data = file_read_capped(upload, max_bytes=services.IMPORT_MAX_BYTES)
            name = (upload.name or "upload.json")[:100]
            items = services.knowledge_file_parse(data=data, name=name, country=country)
            result = services.knowledge_import(actor=request.actor, country=country, items=items)
        except PermissionDenied as exc:
            return denied_render(request, exc)
        except PronoiaError as exc:
            return render(request, self.template_name, self._context(error=exc, country=country), status=400)
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s changed (as drafts for review), %(unchanged)s unchanged.")
            % {"created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged)},
        )
        return HttpResponseRedirect(reverse("contact:knowledge_list") + "?status=draft")


class KnowledgeExportView(KnowledgeMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        country = request.GET.get("country", settings.PRONOIA_COUNTRY)
        status = request.GET.get("status", KnowledgeItemStatus.PUBLISHED)
        if country not in Country.values or status not in (*KnowledgeItemStatus.values, "all"):
            return render(request, "contact/knowledge/import.html", _export_error_context(), status=400)
        items = selectors.knowledge_export(country=country, status="" if status == "all" else status)
        response = HttpResponse(json.dumps(items, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="knowledge-{country}-{status}.json"'
        return response


def _export_error_context() -> dict:
    return {
        "countries": Country.choices, "default_country": settings.PRONOIA_COUNTRY, "max_mb": services.IMPORT_MAX_BYTES // (1024 * 1024),
        "error": PronoiaError(code="kb_export_filter", message=_("Choose a country and a status from the lists."), field="export"),
    }


# --- proposals ------------------------------------------------------------------------------------


class KnowledgeProposalListView(KnowledgeMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return proposals_render(request)


def proposals_render(request: HttpRequest, *, error: PronoiaError | None = None, error_pk: int | None = None, values: dict | None = None, status: int = 200) -> HttpResponse:
    names = _language_names()
    proposals = selectors.knowledge_proposal_list()
    context = {
        "proposals": [{"proposal": p, "language_name": names.get(p.language, p.language)} for p in proposals],
        "categories": KnowledgeCategory.choices,
        "error": error,
        "error_pk": error_pk,
        "values": values or {},
    }
    return render(request, "contact/knowledge/proposals.html", context, status=status)


class KnowledgeProposalActionView(KnowledgeMixin, View):
    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        values = {"item_id": request.POST.get("item_id", "").strip(), "category": request.POST.get("category", ""), "note": request.POST.get("note", "")}
        try:
            if self.action == "draft":
                version = services.knowledge_proposal_draft(actor=request.actor, proposal_pk=pk, item_id=values["item_id"], category=values["category"])
            else:
                services.knowledge_proposal_decline(actor=request.actor, proposal_pk=pk, note=values["note"])
        except NotFound:
            raise Http404 from None
        except PronoiaError as exc:
            return proposals_render(request, error=exc, error_pk=pk, values=values, status=exc.status_code)
        if self.action == "draft":
            messages.success(request, _("Draft made from the proposal: complete it and send it for review."))
            return HttpResponseRedirect(reverse("contact:knowledge_edit", args=[version.item_id]))
        messages.success(request, _("Proposal declined."))
        return HttpResponseRedirect(reverse("contact:knowledge_proposals"))


class KnowledgeProposalForm(forms.Form):
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=Country.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language of your proposal"), choices=[])
    item_id = forms.CharField(
        label=gettext_lazy("Item id (when you propose a change)"), required=False, max_length=100,
        help_text=gettext_lazy("Leave empty to propose a new item."),
    )
    text = forms.CharField(
        label=gettext_lazy("Your proposal"), widget=forms.Textarea(attrs={"rows": 8}), strip=False,
        help_text=gettext_lazy("The question callers ask and the answer you suggest, or what is wrong in the current answer."),
        error_messages={"required": gettext_lazy("Write the question and the answer you propose.")},
    )
    conversation_id = forms.IntegerField(
        label=gettext_lazy("Conversation number (optional)"), required=False, min_value=1, max_value=2**62,
        error_messages={"invalid": gettext_lazy("Enter the conversation number in digits."), "min_value": gettext_lazy("Enter the conversation number in digits."), "max_value": gettext_lazy("Enter the conversation number in digits.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, name) for code, name in settings.LANGUAGES]


class KnowledgeProposalCreateView(RoleRequiredMixin, View):
    """Contact-centre staff propose a new item or a change, e.g. from a conversation (?conversation=&item=)."""

    allowed_roles = PROPOSE_ROLES
    template_name = "contact/knowledge/propose.html"

    def _context(self, form) -> dict:
        errors = [{"field": name if name != "__all__" else "text", "message": message} for name, messages_ in form.errors.items() for message in messages_]
        return {"form": form, "errors": errors}

    def get(self, request: HttpRequest) -> HttpResponse:
        conversation = request.GET.get("conversation", "")
        initial = {
            "country": settings.PRONOIA_COUNTRY,
            "language": request.LANGUAGE_CODE if request.LANGUAGE_CODE in KNOWLEDGE_LANGUAGES else "en",
            "item_id": request.GET.get("item", "")[:100],
            "conversation_id": int(conversation) if conversation.isdigit() and len(conversation) < 18 else None,
        }
        return render(request, self.template_name, self._context(KnowledgeProposalForm(initial=initial)))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = KnowledgeProposalForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.knowledge_proposal_create(
                    actor=request.actor, country=data["country"], text=data["text"], language=data["language"],
                    item_id=data["item_id"].strip(), conversation_id=data["conversation_id"],
                )
            except PermissionDenied as exc:
                return denied_render(request, exc)
            except PronoiaError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Thank you: your proposal is with the content managers."))
                return HttpResponseRedirect(reverse("contact:knowledge_propose"))
        return render(request, self.template_name, self._context(form), status=400)
