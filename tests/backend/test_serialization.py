"""The shared family lookup: Keras's config dict, name lookup with custom objects
first, and the errors it raises. Tested on a tiny family of its own."""

import pytest

from ember.backend.errors import ArgumentError
from ember.backend.serialization import (
    deserialize_object,
    get_object,
    lookup_class,
    serialize_object,
)


class Thing:
    def __init__(self, size=1):
        self.size = size

    def __call__(self, x):
        return x

    def get_config(self):
        return {"size": self.size}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SmallThing(Thing):
    pass


BUILTINS = {"Thing": Thing, "thing": Thing, "SmallThing": SmallThing}
EXPECTED = "a string name such as 'thing' or None"
FAMILY = ("thing", EXPECTED)


class Unlisted(Thing):
    pass


def make_shadow():
    """A user class named like a built-in, but not that class."""

    class Thing(SmallThing):
        pass

    return Thing


def test_serialize_builtin_writes_public_module():
    assert serialize_object(Thing(3), BUILTINS, "keras.things") == {
        "module": "keras.things",
        "class_name": "Thing",
        "config": {"size": 3},
        "registered_name": None,
    }


@pytest.mark.parametrize("cls", [Unlisted, make_shadow()], ids=["unlisted", "shadow"])
def test_serialize_custom_writes_own_module_and_registered_name(cls):
    assert serialize_object(cls(), BUILTINS, "keras.things") == {
        "module": __name__,
        "class_name": cls.__name__,
        "config": {"size": 1},
        "registered_name": cls.__name__,
    }


def test_serialize_none_stays_none():
    assert serialize_object(None, BUILTINS, "keras.things") is None


def test_lookup_prefers_custom_objects_registered_name_first():
    custom = {"pkg>Thing": SmallThing, "Thing": dict}
    assert lookup_class("Thing", "pkg>Thing", BUILTINS, custom, *FAMILY) is SmallThing
    assert lookup_class("Thing", None, BUILTINS, custom, *FAMILY) is dict
    assert lookup_class("thing", None, BUILTINS, None, *FAMILY) is Thing


@pytest.mark.parametrize(
    "name, hint",
    [
        ("thinng", "Did you mean 'thing'?"),
        ("zzz", "Custom things can be passed through `custom_objects`."),
    ],
    ids=["close_match", "no_match"],
)
def test_lookup_unknown_name_says_what_to_do(name, hint):
    with pytest.raises(ArgumentError) as info:
        lookup_class(name, None, BUILTINS, {}, *FAMILY)
    assert str(info.value) == (
        f"Invalid value for argument `thing`: expected {EXPECTED}. "
        f"Received: thing='{name}' (of type str). {hint}"
    )


def test_deserialize_name_and_config_dict():
    by_name = deserialize_object("thing", BUILTINS, None, *FAMILY)
    assert type(by_name) is Thing and by_name.size == 1
    config = {"class_name": "SmallThing", "config": None}
    assert type(deserialize_object(config, BUILTINS, None, *FAMILY)) is SmallThing
    round_trip = deserialize_object(
        serialize_object(Thing(5), BUILTINS, "keras.things"), BUILTINS, None, *FAMILY
    )
    assert type(round_trip) is Thing and round_trip.size == 5
    assert deserialize_object(None, BUILTINS, None, *FAMILY) is None


@pytest.mark.parametrize("config", [5, {"config": {}}], ids=["int", "no_class_name"])
def test_deserialize_rejects_other_values(config):
    with pytest.raises(ArgumentError, match="argument `thing`") as info:
        deserialize_object(config, BUILTINS, None, *FAMILY)
    assert info.value.received == config and info.value.hint is None


def test_get_accepts_every_spelling():
    instance = Thing(2)
    assert get_object(None, BUILTINS, *FAMILY) is None
    assert type(get_object("SmallThing", BUILTINS, *FAMILY)) is SmallThing
    assert (
        get_object(
            {"class_name": "thing", "config": {"size": 4}}, BUILTINS, *FAMILY
        ).size
        == 4
    )
    assert type(get_object(SmallThing, BUILTINS, *FAMILY)) is SmallThing
    assert get_object(instance, BUILTINS, *FAMILY) is instance
    assert get_object(len, BUILTINS, *FAMILY) is len
    with pytest.raises(ArgumentError, match=r"Received: thing=3 \(of type int\)\.$"):
        get_object(3, BUILTINS, *FAMILY)
