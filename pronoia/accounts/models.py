"""Identities from eID providers, assigned roles and mandates (acting for someone)."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pronoia.accounts.roles import DataCategory, Role


class EidIdentity(models.Model):
    """A user as one identity provider knows them: (provider, subject) is the key, never the claim.

    The person is linked by the provider's national-identifier claim; another provider asserting
    the same subject gets a different identity, so no provider can log in another's users.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eid_identities")
    provider = models.CharField(max_length=64)
    subject = models.CharField(max_length=255)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="eid_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    last_acr = models.CharField(max_length=255, blank=True)
    last_loa = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="eid_identity_provider_subject_unique")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject}"


class EidNonceUse(models.Model):
    """A nonce an ID token carried at a completed sign-in: a second use is a replay."""

    provider = models.CharField(max_length=64)
    nonce_digest = models.CharField(max_length=64)
    used_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "nonce_digest"], name="eid_nonce_use_unique")]


class RoleAssignment(models.Model):
    """A staff or employer role given to a user; employer roles name their employer.

    Employer roles may instead be given to a person (by national identity, before they ever
    signed in): they then apply to whichever user signs in through eID as that person.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=[(r.value, r.label) for r in Role if r not in (Role.CITIZEN, Role.REPRESENTATIVE)])
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.CASCADE)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="role_assignment_employer_roles_name_employer",
                condition=Q(role__in=["employer_admin", "employer_user"], employer__isnull=False)
                | (~Q(role__in=["employer_admin", "employer_user"]) & Q(employer__isnull=True)),
            ),
            models.CheckConstraint(
                name="role_assignment_user_or_employer_person",
                condition=Q(user__isnull=False, person__isnull=True)
                | Q(user__isnull=True, person__isnull=False, role__in=["employer_admin", "employer_user"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.person} as {self.role}"


class MandateQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> MandateQuerySet:
        return self.filter(revoked_at__isnull=True, valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Mandate(models.Model):
    """Authority a principal (a person, or an employer through its administrator) gives a representative.

    `scope` lists data categories (DataCategory values) and service codes the representative may act on.
    """

    principal_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="mandates_given")
    principal_employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.CASCADE, related_name="mandates_given")
    representative = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="mandates_held")
    scope = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = MandateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="mandate_has_exactly_one_principal",
                condition=Q(principal_person__isnull=False, principal_employer__isnull=True)
                | Q(principal_person__isnull=True, principal_employer__isnull=False),
            ),
            models.CheckConstraint(name="mandate_valid_to_not_before_valid_from", condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from"))),
        ]

    def covers(self, category: str) -> bool:
        return category in self.scope

    def __str__(self) -> str:
        principal = self.principal_person_id or f"employer {self.principal_employer_id}"
        return f"mandate #{self.pk}: {self.representative_id} for {principal}"


__all__ = ["EidIdentity", "RoleAssignment", "Mandate", "DataCategory", "Role"]


# --- staff sign-in ---


class StaffSignInFailure(models.Model):
    """One failed staff sign-in step (password or second factor), counted for throttling.

    Keyed by the username as typed (normalised), whether or not such an account exists, so the
    lockout behaves the same for unknown names and cannot be used to probe for accounts.
    """

    class Stage(models.TextChoices):
        PASSWORD = "password", _("password")
        SECOND_FACTOR = "second_factor", _("second factor")

    occurred_at = models.DateTimeField()
    username_key = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices)
    # False once a successful sign-in or a lock has used the failure up.
    counts = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["username_key", "occurred_at"], name="staff_failure_username_at"),
            models.Index(fields=["ip", "occurred_at"], name="staff_failure_ip_at"),
            models.Index(fields=["occurred_at"], name="staff_failure_at"),  # retention purge
        ]

    def __str__(self) -> str:
        return f"{self.stage} failure for {self.username_key!r} from {self.ip} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class StaffSignInLock(models.Model):
    """A staff account name or a client address that may not sign in until `locked_until`."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("account")
        ADDRESS = "address", _("client address")

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=150)
    locked_at = models.DateTimeField()
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="staff_sign_in_lock_scope_key_unique"),
            models.CheckConstraint(name="staff_sign_in_lock_until_after_at", condition=Q(locked_until__gt=models.F("locked_at"))),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key!r} locked until {self.locked_until:%Y-%m-%d %H:%M:%S}"
