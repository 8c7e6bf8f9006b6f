"""Persons of the insurance file and the identifiers legacy funds know them by."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pronoia.core.countries import Country


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    """An insured person. The national identifier is validated per country (AMKA, PESEL, EGN)."""

    country = models.CharField(max_length=2, choices=Country.choices)
    national_id = models.CharField(max_length=16)
    # Names as written in the country's script, and their Latin transliteration.
    surname = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    surname_latin = models.CharField(max_length=100, blank=True)
    given_name_latin = models.CharField(max_length=100, blank=True)
    # Normalised "surname given-name" (transliterated, no accents, lower case) for record linkage.
    name_key = models.CharField(max_length=220, db_index=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "national_id"], name="person_unique_national_id"),
        ]
        indexes = [models.Index(fields=["birth_date", "name_key"], name="person_birth_name_idx")]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return f"{self.surname} {self.given_name} ({self.national_id})"


class LegacyIdentifier(models.Model):
    """A member number a legacy fund gave a person (fund code + member number)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="legacy_identifiers")
    fund_code = models.CharField(max_length=32)
    member_no = models.CharField(max_length=40)
    # Where we learnt it: the source registry code and when.
    learnt_from = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund_code", "member_no"], name="legacy_identifier_unique"),
        ]
        verbose_name = _("legacy identifier")

    def __str__(self) -> str:
        return f"{self.fund_code}:{self.member_no}"
