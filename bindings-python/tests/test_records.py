"""Firms' qualifications, honours and compliance from Python: expiry of a
高新技术企业 and the derived flag, inspections and complaints open until
closed, the report's counts, and the example zone's records as the seed
reports them."""

import datetime as dt
from decimal import Decimal

import parkdb


def test_a_high_tech_qualification_expires_and_the_flag_follows():
    db = parkdb.open()
    e = db.add_enterprise("英科新创", high_tech=False)
    db.qualify(e, "高新技术企业", on="2005-03-01", number="GR200535000123")
    rows = db.qualifications(as_of="2006-01-01").to_pylist()
    assert [(r["kind"], r["valid_until"], r["valid"]) for r in rows] == [("high_tech", dt.date(2008, 2, 29), True)]
    assert db.qualifications(as_of="2008-03-01").to_pylist()[0]["valid"] is False
    assert db.enterprises(as_of="2006-01-01").to_pylist()[0]["high_tech"] is True
    assert db.enterprises(as_of="2008-03-01").to_pylist()[0]["high_tech"] is False


def test_compliance_items_are_open_until_closed_and_counted():
    db = parkdb.open()
    e = db.add_enterprise("高平印染厂")
    db.record_complaint(e, "环保", "河水水质", on="2005-02-03", source="上游养殖户")
    db.record_inspection(e, "environment", on="2005-02-10", surprise=True, findings="夜间偷排", rectify_by="2005-03-31")
    db.record_incident(e, "environment", "浓硫酸外泄", on="2005-03-12", quantity_t=6, response_hours="5.5")
    mid = {r["category"]: r for r in db.compliance(as_of="2005-03-15").to_pylist()}
    assert mid["inspection"]["open"] is True and mid["inspection"]["overdue"] is False
    assert mid["incident"]["open"] is None
    assert mid["incident"]["quantity_t"] == Decimal("6.0000")
    april = {r["category"]: r for r in db.compliance(as_of="2005-04-01").to_pylist()}
    assert april["inspection"]["overdue"] is True
    db.rectify(e, 0, on="2005-03-25", note="加装在线监测")
    db.resolve_complaint(e, 0, on="2005-03-31", resolution="查清源头")
    closed = {r["category"]: r for r in db.compliance(as_of="2005-04-01").to_pylist()}
    assert (closed["inspection"]["open"], closed["complaint"]["resolution"]) == (False, "查清源头")
    r = db.annual_report(2005)
    assert (r.inspections_in_year, r.surprise_inspections_in_year, r.incidents_in_year, r.complaints_in_year) == (1, 1, 1, 1)
    assert r.open_compliance_items == 0
    events = {e["event"] for e in db.events("enterprise").to_pylist()}
    assert {"inspected", "rectified", "incident_reported", "complaint_received", "complaint_resolved"} <= events


def test_the_example_zone_carries_the_seeds_records(seed):
    r = seed.annual_report(2005)
    assert r.qualifications_in_year == 3  # two 骨干企业 and a 新药证书
    assert r.honours_in_year == 2  # 科学技术奖 二等奖 and 三等奖
    assert (r.incidents_in_year, r.casualties_in_year) == (1, 0)
    assert r.surprise_inspections_in_year == 18
    backbone = [q for q in seed.qualifications().to_pylist() if q["kind"] == "backbone"]
    assert sorted(q["enterprise"] for q in backbone) == ["尚明达机电", "通士达照明"]
    honours = seed.honours().to_pylist()
    assert sorted((h["enterprise"], h["class"]) for h in honours) == [("海投房地产", "三等奖"), ("英科新创", "二等奖")]
    spill = [c for c in seed.compliance().to_pylist() if c["category"] == "incident"][0]
    assert (spill["enterprise"], spill["detail"], spill["quantity_t"]) == ("荣辉电子厂", "浓硫酸外泄", Decimal("6.0000"))
    assert "发生事故1起,伤亡0人" in r.text()
    assert parkdb.TERMS["DOMAINS"] == {"environment": "环保", "safety": "安全"}


def test_a_plan_against_the_example_zone(seed):
    from parkdb.schemes import Milestone, Plan, Target

    plan = Plan(
        "2005年工作计划",
        2005,
        targets=[
            Target("预计征地500亩", "requisitioned_in_year_mu", 500),
            Target("第一批项目9月底前下达", "approved_in_batch:第一批", 13, by="2005-09-30"),
        ],
        milestones=[Milestone("ISO14001认证", by="2005-07-31")],
    )
    progress = seed.plan_progress(plan, as_of="2005-06-30").to_pylist()
    assert [(r["value"], r["met"]) for r in progress] == [(535.0, True), (0.0, False), (None, False)]
    report = seed.annual_report(2005, plan=plan)
    assert [r["met"] for r in report.plan_progress] == [True, True, False]
    assert "预计征地500亩:已完成(完成1070/500)" in report.text()


def test_buildings_hold_leases_to_their_lettable_area():
    db = parkdb.open()
    site = db.add_parcel("KC-1", "30", requisitioned="2004-01-01")
    db.register_building(site, "1#", floor_area_m2="12,000", lettable_m2="10,000", on="2004-05-01")
    a, b = db.add_enterprise("A"), db.add_enterprise("B")
    db.lease(a, building="1#", area_m2="6000", start="2005-01-01", end="2005-06-30")
    try:
        db.lease(b, building="1#", area_m2="5000", start="2005-03-01")
    except parkdb.LifecycleError as e:
        assert "10000" in str(e)
    else:
        raise AssertionError("over-letting must be refused")
    db.lease(b, building="1#", area_m2="5000", start="2005-07-01")
    db.reach_building_stage("1#", "投入使用", on="2005-01-01")
    rows = db.buildings(as_of="2005-08-01").to_pylist()
    assert [(r["code"], r["stage"], r["leased_m2"], r["vacant_m2"], r["occupancy"]) for r in rows] == [
        ("1#", "in_use", Decimal("5000.0000"), Decimal("5000.0000"), 0.5)
    ]


def test_the_example_zone_carries_the_seeds_buildings(seed):
    r = seed.annual_report(2005)
    stages = {b["code"]: b["stage"] for b in r.buildings}
    assert stages == {"1#": "in_use", "2#": "in_use", "3#": "topped_out", "4#": "topped_out",
                      "5#": "preparation", "6#": "preparation"}
    assert r.floor_area_completed_m2 == Decimal("26000.0000")
    assert sum(b["leased_m2"] for b in r.buildings) == Decimal("21587.0000")
