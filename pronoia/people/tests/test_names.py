import pytest

from pronoia.people.names import name_key, transliterate


@pytest.mark.parametrize(
    "native, latin",
    [
        ("Παπαδόπουλος", "Papadopoulos"),
        ("ΓΕΩΡΓΙΟΣ", "GEORGIOS"),
        ("Ευάγγελος", "Evangelos"),
        ("Иванов", "Ivanov"),
        ("Мария", "Maria"),
        ("Щерев", "Shterev"),
        ("Łukasz Wąsowski", "Lukasz Wasowski"),
    ],
)
def test_transliteration(native, latin):
    assert transliterate(native) == latin


def test_name_key_agrees_across_scripts_and_romanisations():
    assert name_key("ΠΑΠΑΔΟΠΟΥΛΟΣ", "Γεώργιος") == name_key("Papadopulos", "Georgios")
    assert name_key("Иванова", "Мария") == name_key("IVANOVA", "MARIA")


def test_name_key_distinguishes_different_people():
    assert name_key("Kowalski", "Jan") != name_key("Kowalska", "Jan")
