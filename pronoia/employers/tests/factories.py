import factory

from pronoia.employers.models import Employer


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    country = "gr"
    registry_no = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"Synthetic Employer {n} S.A.")
    sector = "G"
    region = "Attica"
