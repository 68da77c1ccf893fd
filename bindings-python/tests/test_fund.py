from decimal import Decimal

import pytest

import parkdb
from conftest import D, M


def test_application_from_receipt_to_recovery(db):
    e = db.add_enterprise("迈克制药")
    g = db.add_programme("2005年度科技三项费用", 2005, budget_yuan=13_140_000)
    a = db.apply(g, e, "新型抗抑郁药物产业化", "2005-03-10", requested_yuan="1000000", field="医药化工")
    db.review(a, "2005-07-20", scores=[82, 90, 77])
    db.approve(a, "2005-09-15", batch="第一批", grant_yuan=300_000, loan_yuan=500_000, repay_by="2006-09-15")
    db.disburse(a, "2005-10-01", 300_000, kind="grant")
    db.disburse(a, "2005-10-01", Decimal("500000"), kind="loan")
    row = db.grants().to_pylist()[0]
    assert row["status"] == "approved" and row["batch"] == "第一批"
    assert row["score_mean"] == pytest.approx(83.0) and row["score_spread"] == 13
    assert row["outstanding_yuan"] == M("500000.00")
    assert len(db.overdue(as_of="2006-09-15")) == 0
    od = db.overdue(as_of="2006-10-15").to_pylist()
    assert od[0]["overdue_yuan"] == M("500000.00") and od[0]["days_overdue"] == 30
    db.recover(a, "2006-11-01", 200_000, via="demand")
    db.recover(a, "2007-03-01", 100_000, via="court")
    db.repay(a, "2007-04-01", 150_000)
    moves = db.disbursements().to_pylist()
    assert [m["movement"] for m in moves] == ["disbursement", "disbursement", "recovery_demand", "recovery_court", "repayment"]
    assert sum(m["amount_yuan"] for m in db.disbursements(year=2006).to_pylist()) == M("200000.00")
    db.write_off(a, "2008-01-01", reason="债务人破产")
    assert db.grants().to_pylist()[0]["status"] == "written_off"
    assert [r["event"] for r in db.history("application", a).to_pylist()][-1] == "written_off"
    p = db.programmes().to_pylist()[0]
    assert (p["committed_yuan"], p["remaining_yuan"]) == (M("800000.00"), M("12340000.00"))


def test_budget_override(db):
    e = db.add_enterprise("E")
    g = db.add_programme("P", 2005, budget_yuan=100)
    a = db.apply(g, e, "T", "2005-03-01", requested_yuan=200)
    with pytest.raises(parkdb.ConflictError, match="budget"):
        db.approve(a, "2005-04-01", batch="第一批", grant_yuan=150)
    db.approve(a, "2005-04-01", batch="第一批", grant_yuan=150, override_budget=True)
    assert db.programmes().to_pylist()[0]["remaining_yuan"] == M("-50.00")


def test_loan_schedule(db):
    e = db.add_enterprise("E")
    g = db.add_programme("P", 2005, budget_yuan=1_000_000)
    a = db.apply(g, e, "T", "2005-03-01", requested_yuan=300_000)
    db.approve(a, "2005-04-01", batch="第一批", loan_yuan=300_000, schedule=[("2006-04-01", 100_000), ("2007-04-01", 200_000)])
    db.disburse(a, "2005-05-01", 300_000, kind="loan")
    assert db.overdue(as_of="2006-05-01").to_pylist()[0]["overdue_yuan"] == M("100000.00")
    assert db.overdue(as_of="2007-05-01").to_pylist()[0]["overdue_yuan"] == M("300000.00")


def test_seed_bureau(seed):
    r = seed.annual_report(2005)
    assert r.applications_received == 18
    first = r.approved_by_batch["第一批"]
    assert (first["count"], first["total_yuan"]) == (13, M("8915000.00"))
    assert (first["grant_yuan"], first["interest_subsidy_yuan"]) == (M("4115000.00"), M("4800000.00"))
    assert r.recovered_yuan == M("1100000.00")
    g = seed.grants(as_of="2005-12-31").to_pandas()
    assert (g.status == "approved").sum() == 15  # 13 this year + 2 loans of 2002
    # This year's first batch; the two 2002 loans carry a 第一批 of their own programme.
    this_year = g[(g.batch == "第一批") & (g.programme_id == g.programme_id.max())]
    assert len(this_year) == 13
    assert this_year.grant_yuan.sum() == M("4115000.00")
    assert this_year.interest_subsidy_yuan.sum() == M("4800000.00")
