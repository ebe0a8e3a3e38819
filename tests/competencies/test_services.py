"""The competency catalogue: the seeded SKJ set and agencies' technical competencies."""

import pytest

from lms.competencies import services
from lms.competencies.models import CompetencyType
from lms.competencies.services import CompetencyError

SKJ = {"INT", "KS", "KOM", "OPH", "PP", "PDOL", "MP", "PK", "PB"}
LEVELS = {level: f"Deskripsi level {level}" for level in range(1, 6)}


def test_skj_set_is_seeded_with_five_levels_each(ctx):
    catalogue = services.available_competencies(with_levels=True)
    assert {c.code for c in catalogue} == SKJ
    for competency in catalogue:
        assert [level.level for level in competency.levels] == [1, 2, 3, 4, 5]
        assert all(len(level.descriptor) > 20 for level in competency.levels)
        assert competency.description
    by_code = {c.code: c for c in catalogue}
    assert by_code["PB"].type is CompetencyType.SOCIO_CULTURAL
    assert by_code["PB"].name == "Perekat Bangsa"
    assert {c.type for c in catalogue if c.code != "PB"} == {CompetencyType.MANAGERIAL}


def test_lookup_by_code_is_case_insensitive(ctx):
    assert services.competency_by_code("kom").name == "Komunikasi"
    assert services.competency_by_code("NOPE") is None
    assert set(services.competencies_by_code(["int", "PB", "XX"])) == {"INT", "PB"}
    assert services.competencies_by_code([]) == {}


def test_agency_technical_competency(ctx, make_agency):
    agency, other = make_agency(), make_agency()
    created = services.create_competency(
        "tk-keu-01",
        "Penatausahaan Keuangan Daerah",
        CompetencyType.TECHNICAL,
        LEVELS,
        agency_id=agency.id,
        description="Teknis keuangan daerah",
    )
    assert created.code == "TK-KEU-01"
    assert [lv.level for lv in created.levels] == [1, 2, 3, 4, 5]
    assert "TK-KEU-01" in {c.code for c in services.available_competencies(agency.id)}
    assert "TK-KEU-01" not in {c.code for c in services.available_competencies(other.id)}
    assert "TK-KEU-01" not in {c.code for c in services.available_competencies()}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "INT"}, "code"),  # taken by the SKJ set
        ({"code": "bad code!"}, "code"),
        ({"name": " "}, "name"),
        ({"levels": {0: "x"}}, "levels"),
        ({"levels": {6: "x"}}, "levels"),
        ({"levels": {1: " "}}, "levels"),
        ({"levels": {}}, "levels"),
        ({"agency": False}, "agency_id"),  # technical without an agency
        ({"type": CompetencyType.MANAGERIAL}, "agency_id"),  # managerial owned by an agency
    ],
)
def test_invalid_competency_is_refused(ctx, make_agency, kwargs, field):
    agency = make_agency()
    args = {
        "code": "TK-1",
        "name": "Teknis Satu",
        "type": CompetencyType.TECHNICAL,
        "levels": LEVELS,
        "agency": True,
    } | kwargs
    with pytest.raises(CompetencyError) as info:
        services.create_competency(
            args["code"],
            args["name"],
            args["type"],
            args["levels"],
            agency_id=agency.id if args["agency"] else None,
        )
    assert info.value.field == field
    assert services.competency_by_code("TK-1") is None
