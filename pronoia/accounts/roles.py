"""The roles of the portal and the data categories access rules speak about."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Derived from the login, never assigned: a person signed in through eID.
    CITIZEN = "citizen", _("Citizen")
    # Derived from a valid mandate the signed-in person holds.
    REPRESENTATIVE = "representative", _("Representative")
    # Assigned (RoleAssignment), bound to an employer.
    EMPLOYER_ADMIN = "employer_admin", _("Employer administrator")
    EMPLOYER_USER = "employer_user", _("Employer user")
    # Staff roles: local accounts with mandatory 2FA.
    CASE_HANDLER = "case_handler", _("Case handler")
    BRANCH_STAFF = "branch_staff", _("Branch staff")
    OPERATOR_L1 = "operator_l1", _("Contact-centre operator, first line")
    OPERATOR_L2 = "operator_l2", _("Contact-centre operator, second line")
    SUPERVISOR = "supervisor", _("Supervisor")
    CONTENT_MANAGER = "content_manager", _("Content manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES: frozenset[str] = frozenset(
    {
        Role.CASE_HANDLER,
        Role.BRANCH_STAFF,
        Role.OPERATOR_L1,
        Role.OPERATOR_L2,
        Role.SUPERVISOR,
        Role.CONTENT_MANAGER,
        Role.ADMINISTRATOR,
        Role.AUDITOR,
    }
)
EMPLOYER_ROLES: frozenset[str] = frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_USER})
# Roles a RoleAssignment may carry (citizen and representative come from the login and mandates).
ASSIGNABLE_ROLES: frozenset[str] = STAFF_ROLES | EMPLOYER_ROLES


class DataCategory(models.TextChoices):
    """Categories of a person's data; mandates and the access log speak in these."""

    IDENTITY = "identity", _("Identity and contact details")
    INSURANCE_RECORD = "insurance_record", _("Insurance record")
    CORRECTIONS = "corrections", _("Correction requests")
    APPLICATIONS = "applications", _("Applications")
    PENSION = "pension", _("Pension forecast")
    MANDATES = "mandates", _("Mandates")
    # An employer's data (its declarations); the only category an employer's mandate can name.
    EMPLOYER_DECLARATIONS = "employer_declarations", _("Employer declarations")


# Categories of a person's data, and of an employer's: a mandate's scope names one kind only.
PERSON_DATA_CATEGORIES: frozenset[str] = frozenset(set(DataCategory.values) - {DataCategory.EMPLOYER_DECLARATIONS})
EMPLOYER_DATA_CATEGORIES: frozenset[str] = frozenset({DataCategory.EMPLOYER_DECLARATIONS})


class Channel(models.TextChoices):
    WEB = "web", _("Portal")
    API = "api", _("API")
    ADMIN = "admin", _("Back office")
    CONTACT_CENTRE = "contact_centre", _("Contact centre")
    COMMAND = "command", _("Command")
