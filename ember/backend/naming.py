"""Unique object names per session: `dense`, `dense_1`, ... as Keras makes them."""

import collections
import re

_UIDS = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def get_uid(prefix: str) -> int:
    """Returns 1 the first time `prefix` is seen this session, then 2, 3, ..."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def uniquify(prefix: str) -> str:
    uid = get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


def auto_name(class_name: str) -> str:
    return uniquify(to_snake_case(class_name))


def reset_uids() -> None:
    _UIDS.clear()


def clear_session() -> None:
    """Resets ember's global state: generated layer names start again at `dense`.

    Models and layers already made keep working; only new names are affected.
    """
    reset_uids()
