import datetime as dt

import factory

from pronoia.people.models import Person
from pronoia.people.names import name_key, transliterate
from pronoia.people.national_ids import make_national_id


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    country = "gr"
    sex = factory.Iterator(["M", "F"])
    birth_date = factory.Sequence(lambda n: dt.date(1960, 1, 1) + dt.timedelta(days=n * 37 % 15000))
    national_id = factory.LazyAttributeSequence(lambda o, n: make_national_id(o.country, o.birth_date, o.sex, n))
    surname = factory.Sequence(lambda n: f"Παπαδόπουλος{chr(0x3b1 + n % 24)}")
    given_name = "Γεώργιος"
    surname_latin = factory.LazyAttribute(lambda o: transliterate(o.surname))
    given_name_latin = factory.LazyAttribute(lambda o: transliterate(o.given_name))
    name_key = factory.LazyAttribute(lambda o: name_key(o.surname, o.given_name))
