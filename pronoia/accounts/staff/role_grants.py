"""Granting and revoking roles in the back office, with an audit event for each change."""
from __future__ import annotations

from django.db import transaction

from pronoia.accounts.models import RoleAssignment
from pronoia.audit.services import audit_record


def _data(assignment: RoleAssignment) -> dict:
    return {
        "user_id": assignment.user_id,
        "role": assignment.role,
        "employer_id": assignment.employer_id,
        "unit": assignment.unit,
        "revoked_at": assignment.revoked_at.isoformat() if assignment.revoked_at else None,
    }


@transaction.atomic
def role_assignment_save(*, assignment: RoleAssignment, actor, created: bool, was_revoked: bool) -> RoleAssignment:
    """Save a new or changed assignment; the grantor is recorded on new ones."""
    if created:
        assignment.granted_by = actor
    assignment.save()
    if created or (was_revoked and assignment.revoked_at is None):
        action = "role.grant"  # new, or a revoked assignment given back
    elif assignment.revoked_at is not None and not was_revoked:
        action = "role.revoke"
    else:
        action = "role.change"
    audit_record(action=action, object_type="role_assignment", object_id=assignment.pk, actor=actor, data=_data(assignment))
    return assignment


@transaction.atomic
def role_assignment_delete(*, assignment: RoleAssignment, actor) -> None:
    data = _data(assignment)
    pk = assignment.pk
    assignment.delete()
    audit_record(action="role.delete", object_type="role_assignment", object_id=pk, actor=actor, data=data)
