"""Per-event settings of the pure rules: DOMAIN.md's defaults, overridden by an event and then by a skill."""
from __future__ import annotations

from typing import Any

from competition.models import Skill
from competition.rules import awards, draw, marking, publication, quality, ranking, registration, standardise

SETTINGS_SECTIONS: dict[str, type] = {
    "marking": marking.MarkingRules, "standardise": standardise.StandardiseSettings,
    "ranking": ranking.RankingSettings, "awards": awards.BayuCupSettings, "selection": awards.SelectionSettings,
    "medals": awards.MedalSettings, "medal_table": awards.MedalTableSettings, "quality": quality.QualitySettings,
    "draw": draw.DrawSettings, "anonymisation": draw.AnonymisationSettings,
    "registration": registration.RegistrationSettings,
    "publication": publication.PublicationSettings, "appeals": publication.AppealSettings,
}


def settings_for(skill: Skill, section: str, settings_class: type) -> Any:
    """A rule's settings: the DOMAIN.md defaults of ``settings_class``, overridden by the event's
    ``settings[section]`` and then by the skill's."""
    values = {**(skill.event.settings or {}).get(section, {}), **(skill.settings or {}).get(section, {})}
    return settings_class(**values)
