"""Which arguments answer a denial: pure matching on group code, CARC and RARC.

For each CARC on the denial, in the denial's order: the arguments for that group and CARC
whose remark codes include one on the denial come first (they are more specific), then those
without remark codes; an argument listing remark codes none of which is on the denial does
not apply. Each argument is used once, even when it answers two of the denial's CARCs
(CO-197 and CO-15 together get one authorisation paragraph).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    key: str
    group: str
    carcs: tuple[str, ...]
    rarcs: tuple[str, ...] = ()


def matching(
    rules: Iterable[Rule], group: str, carcs: Sequence[str], rarcs: Sequence[str]
) -> list[Rule]:
    rules = sorted(rules, key=lambda r: r.key)
    on_denial = set(rarcs)
    chosen: list[Rule] = []
    for carc in carcs:
        candidates = [r for r in rules if r.group == group and carc in r.carcs]
        specific = [r for r in candidates if r.rarcs and on_denial & set(r.rarcs)]
        general = [r for r in candidates if not r.rarcs]
        for rule in (specific or general)[:1]:
            if rule not in chosen:
                chosen.append(rule)
    return chosen
