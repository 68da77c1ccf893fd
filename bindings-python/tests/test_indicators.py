import dataclasses

import pytest

import parkdb
from parkdb import schemes
from conftest import M


def test_huangyan_preset_matches_the_design():
    s = schemes.huangyan_2022()
    assert [(i.indicator, i.weight, i.benchmark) for i in s.items] == [
        ("tax_per_mu", 30.0, 24.097),
        ("value_added_per_mu", 20.0, 136.16),
        ("value_added_per_energy", 20.0, 2.694),
        ("value_added_per_emission", 10.0, 4929.81),
        ("labour_productivity", 10.0, 18.14),
        ("rd_ratio", 10.0, 0.0302),
    ]
    assert [i.missing for i in s.items if i.missing == "scope_mean"] == ["scope_mean"]
    assert s.above_scale is True
    small = schemes.huangyan_2022_small()
    assert [(i.indicator, i.benchmark) for i in small.items] == [("tax_per_mu", 11.5932), ("tax_per_electricity", 0.2352)]


def test_evaluate_returns_the_published_columns(seed):
    t = seed.evaluate(schemes.huangyan_2022(), 2005)
    for col in ["enterprise_id", "name", "land_mu", "tax_per_mu", "value_added_per_mu", "score", "rank", "grade", "in_scope", "reason"]:
        assert col in t.columns
    df = t.to_pandas()
    scoped = df[df.in_scope]
    assert len(scoped) == 48  # 52 in production, 4 below scale
    assert scoped["rank"].min() == 1
    assert set(scoped.grade) <= {"A", "B", "C", "D"}
    out = df[~df.in_scope]
    assert out.reason.str.contains("no figures for 2005").sum() > 0
    # Firms without emission data score that item at the scope mean.
    no_emissions = scoped[scoped.value_added_per_emission.isna()]
    assert len(no_emissions) > 0
    with_emissions = scoped[scoped.value_added_per_emission.notna()]
    assert no_emissions.value_added_per_emission_score.iloc[0] == pytest.approx(with_emissions.value_added_per_emission_score.mean())


def test_a_preset_is_taken_by_its_name_as_the_command_line_takes_it(seed):
    by_name = seed.evaluate("huangyan_2022", 2005).to_pylist()
    assert by_name == seed.evaluate(schemes.huangyan_2022(), 2005).to_pylist()
    with pytest.raises(parkdb.ValidationError, match="huangyan_2022_small"):
        seed.evaluate("huangyan_2030", 2005)


def test_a_changed_scheme_changes_the_scope(seed):
    s = dataclasses.replace(schemes.huangyan_2022(), above_scale=None, min_land_mu=M("40"))
    df = seed.evaluate(s, 2005).to_pandas()
    assert (df[df.in_scope].land_mu >= M("40")).all()
    assert df[~df.in_scope].reason.str.contains("less than 40亩").any()
    bad = dataclasses.replace(s, grades=[("A", 0.8), ("B", 0.2)])
    with pytest.raises(parkdb.ValidationError):
        seed.evaluate(bad, 2005)


def test_observations_and_target_framework(db):
    db.define_indicator("R&D_GDP", "R&D经费占GDP比重", unit="%")
    db.define_indicator("HT_SHARE", "高新技术产业产值占比", unit="%")
    db.observe("R&D_GDP", 2005, "1.6", source="统计年鉴")
    db.observe("R&D_GDP", 2005, "1.8", source="修订")
    db.observe("HT_SHARE", "2005", 50)
    obs = db.observations().to_pylist()
    assert [(o["code"], o["value"]) for o in obs] == [("R&D_GDP", M("1.8")), ("HT_SHARE", M("50"))]
    fw = schemes.TargetFramework("科技进步考核", [("R&D_GDP", 2.0, 10.0), ("HT_SHARE", 40.0, 20.0), ("PATENTS", 5.0, 5.0)])
    a = db.assess(fw, 2005)
    assert a["score"] == pytest.approx(29.0) and a["max_score"] == pytest.approx(35.0)
    assert a["items"][2] == {"code": "PATENTS", "value": None, "score": 0.0}


def test_annual_report_object(seed):
    r = seed.annual_report(2005)
    d = r.to_dict()
    assert d["requisitioned_mu"] == M("10100") and d["certified_mu"] == M("4509")
    assert (r.projects_signed, r.projects_on_reclaimed_land, r.capital_increases) == (11, 3, 3)
    assert (r.in_production, r.under_construction) == (52, 17)
    assert r.output_value_yuan == M("3800000000.00")
    assert [x["area_mu"] for x in r.reclaimed] == [M("52.7272"), M("35.618"), M("63")]
    assert r.reclaimed[0]["former_holder"] == "顺德市励精纺织贸易有限公司"
    assert (r.tenants, r.leased_m2) == (7, M("21587"))
    assert "引进工业项目11个" in r.text()
    assert "2005年度工作报告" in r._repr_html_()
    with pytest.raises(AttributeError):
        r.no_such_figure
