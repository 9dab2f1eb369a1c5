"""Staff words for appeal levels and programs (the codes stay in the data and the URLs)."""

from appeals.deadlines import Level, Track

LEVEL_LABELS: dict[str, str] = {
    Level.REDETERMINATION: "Redetermination",
    Level.RECONSIDERATION: "Reconsideration",  # by the QIC (42 CFR 405.960)
    Level.ALJ: "ALJ hearing",  # OMHA (405.1000)
    Level.COUNCIL: "Appeals Council review",  # Medicare Appeals Council (405.1100)
    Level.COURT: "Federal court review",  # 405.1130
    Level.PLAN_RECONSIDERATION: "Plan reconsideration",  # 422.578, 423.580
    Level.IRE: "IRE review",  # independent review entity (422.592, 423.600)
}

TRACK_LABELS: dict[str, str] = {
    Track.ORIGINAL: "Original Medicare",
    Track.ADVANTAGE: "Medicare Advantage",
    Track.PART_D: "Part D",
}


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level.replace("-", " ").capitalize())
