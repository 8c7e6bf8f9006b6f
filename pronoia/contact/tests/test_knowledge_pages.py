"""Knowledge-base pages: who may open them, the list and its query count, drafts with errors that keep
what was typed, review actions, the diff, import and export by upload, proposals, answers shown as text."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.contact.models.knowledge import KnowledgeItem, KnowledgeItemStatus, KnowledgeProposal, KnowledgeVersion, KnowledgeVersionStatus
from pronoia.contact.services import knowledge as services
from pronoia.contact.tests.factories import KnowledgeProposalFactory, actor_of, kb_item_json, knowledge_published, translations_make
from pronoia.contact.views.knowledge import answer_html
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

LIST = "/contact/knowledge/"
NEW = "/contact/knowledge/new"
IMPORT = "/contact/knowledge/import"
EXPORT = "/contact/knowledge/export"
PROPOSALS = "/contact/knowledge/proposals"
PROPOSE = "/contact/knowledge/propose"


def signed_in(client, role=Role.CONTENT_MANAGER, *, verified=True):
    user = staff_user(role)
    client_sign_in_staff(client, user, verified=verified)
    client.user = user
    client.actor = actor_of(user, role)
    return client


def form_data(item_id="cert-777", topic="A1 certificate", **overrides):
    data = {"country": "gr", "item_id": item_id, "category": "certificates"}
    for lang, block in translations_make(topic, languages=("en", "el", "pl", "bg", "ru")).items():
        data[f"{lang}_question"] = block["question"]
        data[f"{lang}_variants"] = "\n".join(block["variants"])
        data[f"{lang}_answer"] = block["answer"]
    data.update(overrides)
    return data


ITEM_ROUTES = ("", "/edit")
ACTIONS = ("submit", "approve", "reject", "publish", "retire")


@pytest.mark.parametrize("role", [Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR, Role.CASE_HANDLER, Role.ADMINISTRATOR, Role.AUDITOR])
def test_every_content_page_is_403_for_other_staff(client, role):
    item = knowledge_published("hist-001")
    proposal = KnowledgeProposalFactory()
    signed_in(client, role)
    for path in (LIST, NEW, IMPORT, EXPORT, PROPOSALS, *(f"{LIST}{item.pk}{suffix}" for suffix in ITEM_ROUTES)):
        assert client.get(path).status_code == 403, path
    for action in ACTIONS:
        assert client.post(f"{LIST}{item.pk}/{action}", {"note": "x"}).status_code == 403, action
    for action in ("draft", "decline"):
        assert client.post(f"{PROPOSALS}/{proposal.pk}/{action}", {"note": "x"}).status_code == 403
    assert client.post(NEW, form_data()).status_code == 403
    item.refresh_from_db()
    assert item.status == KnowledgeItemStatus.PUBLISHED and not KnowledgeItem.objects.filter(item_id="cert-777").exists()


def test_anonymous_go_to_the_staff_login_citizens_get_403_and_the_second_factor_is_asked(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login")
    client_sign_in_citizen(client, PersonFactory())
    assert client.get(LIST).status_code == 403
    assert client.get(PROPOSE).status_code == 403
    other = signed_in(type(client)(), verified=False)
    response = other.get(LIST)
    assert response.status_code == 302 and "otp" in response["Location"]


def test_the_list_searches_by_text_category_and_status(client):
    knowledge_published("hist-001", topic="insurance record")
    knowledge_published("cert-001", topic="Βεβαίωση ασφαλιστικής ικανότητας", category="certificates")
    services.knowledge_item_create(actor=signed_in(client).actor, country="gr", item_id="port-001", category="portal", translations=translations_make("password reset"))
    html = client.get(LIST).content.decode()
    assert "hist-001" in html and "cert-001" in html and "port-001" in html
    html = client.get(LIST, {"q": "βεβαιωση"}).content.decode()  # case and accents folded
    assert "cert-001" in html and "hist-001" not in html
    html = client.get(LIST, {"category": "portal"}).content.decode()
    assert "port-001" in html and "hist-001" not in html
    html = client.get(LIST, {"status": "published"}).content.decode()
    assert "hist-001" in html and "port-001" not in html
    response = client.get(LIST, {"status": "nonsense"})
    assert response.status_code == 400 and "Choose a status from the list." in response.content.decode()


def test_the_list_page_makes_the_same_few_queries_for_many_items(client, django_assert_num_queries):
    signed_in(client)
    for n in range(3):
        knowledge_published(f"hist-{n:03d}")
    client.get(LIST)  # warm the session and the user
    with django_assert_num_queries(8) as few:  # session, user, roles, device; count, rows, categories, proposals
        client.get(LIST)
    for n in range(3, 40):
        knowledge_published(f"hist-{n:03d}")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.content.decode().count('href="/contact/knowledge/') >= 40


def test_create_a_draft_and_an_error_keeps_everything_typed(client):
    signed_in(client)
    data = form_data(el_answer="Α" * 4001, ru_question="Вопрос про <b>A1</b>")
    response = client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and 'href="#el_answer"' in html and "Greek, answer: must be 4000 characters or fewer" in html
    assert "Α" * 4001 in html and "Вопрос про &lt;b&gt;A1&lt;/b&gt;" in html and data["pl_variants"] in html
    assert not KnowledgeItem.objects.exists()
    response = client.post(NEW, form_data())
    item = KnowledgeItem.objects.get(item_id="cert-777")
    assert response.status_code == 302 and response["Location"] == f"{LIST}{item.pk}"
    assert item.latest_version.translations["en"]["variants"] == ["where is my A1 certificate", "show A1 certificate"]


def test_a_bad_id_and_a_duplicate_id_are_refused_on_the_page(client):
    signed_in(client)
    knowledge_published("cert-777")
    response = client.post(NEW, form_data())
    assert response.status_code == 400 and 'href="#item_id"' in response.content.decode() and "already exists" in response.content.decode()
    response = client.post(NEW, form_data(item_id="Bad Id!"))
    assert response.status_code == 400 and "lowercase letters" in response.content.decode()


def test_review_on_the_pages_with_the_diff_against_the_published_version(client):
    item = knowledge_published("cert-001", topic="A1 certificate", category="certificates")
    author = signed_in(client)
    data = form_data(en_answer="New English answer, see /services/.")
    assert client.post(f"{LIST}{item.pk}/edit", data).status_code == 302
    page = client.get(f"{LIST}{item.pk}").content.decode()
    assert 'id="kb-diff"' in page and "<ins>New English answer, see /services/.</ins>" in page
    assert client.post(f"{LIST}{item.pk}/submit", {"version": "2"}).status_code == 302
    # The author cannot approve: the button is not there and the action is refused.
    page = client.get(f"{LIST}{item.pk}").content.decode()
    assert "another content manager must review it" in page
    response = client.post(f"{LIST}{item.pk}/approve", {"version": "2"})
    assert response.status_code == 403 and "another content manager" in response.content.decode()

    reviewer = signed_in(type(client)())
    response = reviewer.post(f"{LIST}{item.pk}/reject", {"version": "2", "note": ""})
    assert response.status_code == 400 and 'href="#note"' in response.content.decode()
    assert reviewer.post(f"{LIST}{item.pk}/approve", {"version": "2"}).status_code == 302
    assert author.post(f"{LIST}{item.pk}/publish", {"version": "2"}).status_code == 302
    item.refresh_from_db()
    assert item.published_version.number == 2
    page = client.get(f"{LIST}{item.pk}").content.decode()
    assert '<a class="govuk-link" href="/services/">/services/</a>' in page  # portal paths become links
    assert client.post(f"{LIST}{item.pk}/retire").status_code == 302
    item.refresh_from_db()
    assert item.status == KnowledgeItemStatus.RETIRED


def test_a_stale_version_number_is_refused(client):
    item = knowledge_published("cert-001")
    signed_in(client)
    client.post(f"{LIST}{item.pk}/edit", form_data())
    response = client.post(f"{LIST}{item.pk}/submit", {"version": "1"})
    assert response.status_code == 400 and "no longer the latest" in response.content.decode()
    assert KnowledgeVersion.objects.get(item=item, number=2).status == KnowledgeVersionStatus.DRAFT


def test_a_hostile_answer_stays_text_when_rendered(client):
    hostile = translations_make("x", languages=("en", "el", "pl", "bg", "ru"))
    hostile["en"]["answer"] = '<script>alert("pwned")</script> <a href="javascript:x">/my/</a> See /services/.'
    hostile["el"]["question"] = '<img src=x onerror="alert(1)">'
    item = knowledge_published("hist-666", translations=hostile)
    signed_in(client)
    html = client.get(f"{LIST}{item.pk}").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert 'href="javascript:x"' not in html
    list_html = client.get(LIST).content.decode()
    assert "<img src=x" not in list_html


def test_answer_html_links_only_portal_paths():
    html = answer_html('Go to /my/insurance-record, or https://evil.example/x and //evil.example. "/services/" <b>')
    assert '<a class="govuk-link" href="/my/insurance-record">/my/insurance-record</a>,' in html
    assert 'href="https://evil.example' not in html and 'href="//evil' not in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_import_by_upload_makes_drafts_and_errors_name_the_item(client):
    signed_in(client)
    good = json.dumps([kb_item_json("hist-001"), kb_item_json("hist-002")]).encode()
    response = client.post(IMPORT, {"country": "gr", "file": SimpleUploadedFile("starter.json", good, content_type="application/json")})
    assert response.status_code == 302
    assert set(KnowledgeItem.objects.values_list("status", flat=True)) == {KnowledgeItemStatus.DRAFT}
    bad_item = kb_item_json("hist-004")
    del bad_item["translations"]["el"]
    bad = json.dumps([kb_item_json("hist-003"), bad_item]).encode()
    response = client.post(IMPORT, {"country": "gr", "file": SimpleUploadedFile("bad.json", bad)})
    html = response.content.decode()
    assert response.status_code == 400 and "bad.json, item 2 (id hist-004)" in html and "translations.el.question" in html
    assert not KnowledgeItem.objects.filter(item_id="hist-003").exists()
    response = client.post(IMPORT, {"country": "gr", "file": SimpleUploadedFile("big.json", b"[" + b" " * services.IMPORT_MAX_BYTES + b"]")})
    assert response.status_code == 400 and "larger than 5 MB" in response.content.decode()
    response = client.post(IMPORT, {"country": "gr", "file": SimpleUploadedFile("x.json", b"{not json")})
    assert response.status_code == 400 and "not valid JSON" in response.content.decode()
    response = client.post(IMPORT, {"country": "gr"})
    assert response.status_code == 400 and "Choose a JSON file" in response.content.decode()


def test_export_downloads_the_published_items_in_the_import_format(client):
    knowledge_published("hist-001")
    signed_in(client)
    response = client.get(EXPORT, {"country": "gr", "status": "published"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    items = json.loads(response.content)
    assert [item["id"] for item in items] == ["hist-001"] and set(items[0]) == {"id", "category", "translations"}
    assert client.get(EXPORT, {"country": "xx"}).status_code == 400


def test_operators_propose_and_content_managers_turn_it_into_a_draft(client):
    operator = signed_in(client, Role.OPERATOR_L1)
    assert client.get(PROPOSE, {"conversation": "17"}).status_code == 200
    response = operator.post(PROPOSE, {"country": "gr", "language": "el", "text": "", "conversation_id": "17"})
    assert response.status_code == 400 and 'href="#text"' in response.content.decode()
    response = operator.post(PROPOSE, {"country": "gr", "language": "el", "text": "Πόσο κοστίζει το A1;", "conversation_id": "17"})
    assert response.status_code == 302
    proposal = KnowledgeProposal.objects.get()
    assert proposal.conversation_id == 17 and proposal.proposer_id == operator.user.pk
    manager = signed_in(type(client)())
    page = manager.get(PROPOSALS).content.decode()
    assert "Πόσο κοστίζει το A1;" in page
    response = manager.post(f"{PROPOSALS}/{proposal.pk}/draft", {"item_id": "", "category": "certificates"})
    assert response.status_code == 400 and "id must be" in response.content.decode()
    response = manager.post(f"{PROPOSALS}/{proposal.pk}/draft", {"item_id": "cert-050", "category": "certificates"})
    item = KnowledgeItem.objects.get(item_id="cert-050")
    assert response.status_code == 302 and response["Location"] == f"{LIST}{item.pk}/edit"
    assert item.latest_version.translations == {"el": {"question": "Πόσο κοστίζει το A1;", "variants": [], "answer": ""}}
    # An incomplete draft cannot be sent for review: English is required.
    response = manager.post(f"{LIST}{item.pk}/submit")
    assert response.status_code == 400 and "Greek, answer: is empty." in response.content.decode()


def test_a_missing_item_is_404(client):
    signed_in(client)
    assert client.get(f"{LIST}999999").status_code == 404
    assert client.post(f"{LIST}999999/publish").status_code == 404
    assert client.post(f"{PROPOSALS}/999999/decline", {"note": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("language", "heading", "error"),
    [
        ("el", "Βάση γνώσεων", "Ελληνικά, απάντηση: πρέπει να έχει έως 4000 χαρακτήρες"),
        ("pl", "Baza wiedzy", "polski, odpowiedź: może mieć najwyżej 4000 znaków"),
        ("bg", "База знания", "български, отговор: трябва да е до 4000 знака"),
        ("ru", "База знаний", "русский, ответ: должно быть не длиннее 4000 символов"),
    ],
)
def test_the_pages_and_their_errors_speak_the_users_language(client, settings, language, heading, error):
    signed_in(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert heading in client.get(LIST).content.decode()
    response = client.post(NEW, form_data(**{f"{language}_answer": "x" * 4001}))
    assert response.status_code == 400 and error in response.content.decode()
