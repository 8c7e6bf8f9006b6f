"""The knowledge-base pages in Debian's Chromium: axe-core finds no serious or critical violation
(list, item with a draft's diff, the draft form with errors, import, proposals, the proposal form),
and the draft form works without JavaScript, keeping what was typed after an error."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user
from pronoia.contact.services import knowledge as services
from pronoia.contact.tests.factories import KnowledgeProposalFactory, actor_of, knowledge_published, translations_make
from pronoia.core.browser_testing import chromium_open, click_and_wait_for_page, session_cookie, tools_or_skip

AXE = Path(settings.BASE_DIR) / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("data_access_log_purgeable")]


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_knowledge_pages_are_accessible_and_the_form_keeps_what_was_typed(live_server):
    tools_or_skip("the knowledge-base browser check", AXE)
    item = knowledge_published("cert-001", topic="A1 certificate", category="certificates")
    manager_user, operator_user = staff_user(Role.CONTENT_MANAGER), staff_user(Role.OPERATOR_L1)
    services.knowledge_draft_save(actor=actor_of(manager_user), item_pk=item.pk, category="certificates", translations=translations_make("A1 form"))
    KnowledgeProposalFactory()
    manager, operator = Client(), Client()
    client_sign_in_staff(manager, manager_user, fresh=True)
    client_sign_in_staff(operator, operator_user, fresh=True)
    base = "/contact/knowledge/"
    found: dict[str, list[str]] = {}
    with chromium_open() as browser:
        context = browser.new_context(java_script_enabled=False)
        context.add_cookies([session_cookie(manager, live_server.url)])
        page = context.new_page()
        for path in (base, f"{base}{item.pk}", f"{base}new", f"{base}import", f"{base}proposals"):
            assert page.goto(live_server.url + path).status == 200, path  # served without JavaScript
        # Without JavaScript: a too long Greek answer is refused, everything typed is still there.
        page.goto(live_server.url + f"{base}new")
        page.fill("#item_id", "cert-002")
        page.fill("#en_question", "How long does an A1 take?")
        page.fill("#en_answer", "About ten working days, see /services/.")
        page.fill("#el_question", "Πόσο χρόνο παίρνει το A1;")
        page.fill("#el_answer", "Α" * 4001)
        page.fill("#ru_variants", "сколько ждать A1\nсрок A1")
        click_and_wait_for_page(page, page.get_by_role("button", name="Save the draft"))
        assert page.locator(".govuk-error-summary").count() == 1
        assert page.input_value("#item_id") == "cert-002" and page.input_value("#el_answer") == "Α" * 4001
        assert page.input_value("#ru_variants") == "сколько ждать A1\nсрок A1"
        page.click(".govuk-error-summary a")
        context.close()

        for client, paths in ((manager, (base, f"{base}{item.pk}", f"{base}import", f"{base}proposals")), (operator, ("/contact/knowledge/propose",))):
            context = browser.new_context(bypass_csp=True)
            context.add_cookies([session_cookie(client, live_server.url)])
            page = context.new_page()
            for path in paths:
                assert page.goto(live_server.url + path).status == 200, path
                found[path] = axe_violations(page)
            if client is manager:
                page.goto(live_server.url + f"{base}new")
                click_and_wait_for_page(page, page.get_by_role("button", name="Save the draft"))
                found["draft form with errors"] = axe_violations(page)
            context.close()
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{path}: {v}" for path, v in problems.items())
